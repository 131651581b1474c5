import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { ProctorSession } from '../../../../../contracts/proctor.ts';
import { apiRequest, setCsrfToken } from '../../../lib/api-client.ts';

export const proctorKeys = {
  all: ['proctor'] as const,
  session: () => [...proctorKeys.all, 'session'] as const,
};

export const proctorSessionQuery = queryOptions({
  queryKey: proctorKeys.session(),
  queryFn: async () => {
    const session = await apiRequest('/api/proctor/session', ProctorSession);
    setCsrfToken(session.csrfToken);
    return session;
  },
  staleTime: Infinity,
});

export function useLogIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { username: string; password: string }) =>
      apiRequest('/api/proctor/login', ProctorSession, { method: 'POST', body: credentials }),
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      queryClient.setQueryData(proctorKeys.session(), session);
    },
  });
}

export function useLogOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest('/api/proctor/logout', z.object({ ok: z.literal(true) }), { method: 'POST', body: {} }),
    onSettled: () => {
      setCsrfToken(undefined);
      queryClient.clear();
    },
  });
}
