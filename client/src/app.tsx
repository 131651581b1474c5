import { DashboardPage } from './features/dashboard/components/dashboard-page.tsx';
import { CheckInPage } from './features/checkin/components/check-in-page.tsx';
import { StartScreen } from './features/checkin/components/start-screen.tsx';
import { LoginPage } from './features/proctor-auth/components/login-page.tsx';
import { RecordPage } from './features/record/components/record-page.tsx';
import { usePathname } from './lib/router.ts';

export function App() {
  const pathname = usePathname();
  if (pathname === '/start') return <StartScreen />;
  if (pathname === '/proctor/login') return <LoginPage />;
  if (pathname === '/proctor/record') return <RecordPage />;
  if (pathname === '/proctor' || pathname.startsWith('/proctor/')) return <DashboardPage />;
  return <CheckInPage />;
}
