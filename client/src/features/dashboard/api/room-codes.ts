import { queryOptions } from '@tanstack/react-query';
import { RoomCodesResponse } from '../../../../../contracts/room-codes.ts';
import { apiRequest } from '../../../lib/api-client.ts';

const RETRY_MS = 5000;
// Past the change, so that the new code is the one read.
const AFTER_CHANGE_MS = 500;

// Read again just after the codes change, timed by the server's clock (`now` in the answer), not the
// browser's; every room's code changes at the same moment.
export const roomCodesQuery = (sessionId: number) =>
  queryOptions({
    queryKey: ['room-codes', sessionId] as const,
    queryFn: () => apiRequest(`/api/proctor/rooms/codes?session=${sessionId}`, RoomCodesResponse),
    refetchInterval: (query) => {
      const data = query.state.data;
      if (!data || query.state.status === 'error') return RETRY_MS;
      const next = Math.min(...data.rooms.map((room) => Date.parse(room.changesAt)));
      return Number.isFinite(next) ? Math.max(1000, next - Date.parse(data.now) + AFTER_CHANGE_MS) : false;
    },
    refetchIntervalInBackground: true,
    staleTime: 0,
  });
