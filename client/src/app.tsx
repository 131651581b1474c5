import { CheckInPage } from './features/checkin/components/check-in-page.tsx';
import { StartScreen } from './features/checkin/components/start-screen.tsx';
import { usePathname } from './lib/router.ts';

export function App() {
  const pathname = usePathname();
  if (pathname === '/start') return <StartScreen />;
  return <CheckInPage />;
}
