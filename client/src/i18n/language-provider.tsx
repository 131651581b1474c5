import { createContext, type ReactNode, useContext, useLayoutEffect, useMemo, useState } from 'react';
import { IntlProvider } from 'react-intl';
import { DEFAULT_LANGUAGE, languageOf, pickLanguage } from './languages.ts';

const STORAGE_KEY = 'examgate.language';

interface LanguageChoice {
  language: string;
  choose: (code: string) => void;
}

const LanguageContext = createContext<LanguageChoice>({ language: DEFAULT_LANGUAGE, choose: () => {} });

export function useLanguage(): LanguageChoice {
  return useContext(LanguageContext);
}

function initialLanguage(): string {
  try {
    const chosen = localStorage.getItem(STORAGE_KEY);
    if (chosen) return pickLanguage([chosen]);
  } catch {
    // Storage may be off (private mode); the browser's languages decide then.
  }
  return pickLanguage(navigator.languages.length > 0 ? navigator.languages : [navigator.language]);
}

// The chosen language (remembered), else the browser's; <html lang dir> follow it, so that Arabic is laid
// out right to left by the browser rather than mirrored by hand.
export function LanguageProvider({ children }: { children: ReactNode }) {
  const [language, setLanguage] = useState(initialLanguage);
  const current = languageOf(language);
  useLayoutEffect(() => {
    document.documentElement.lang = current.code;
    document.documentElement.dir = current.dir;
  }, [current]);
  const choice = useMemo<LanguageChoice>(
    () => ({
      language: current.code,
      choose: (code) => {
        try {
          localStorage.setItem(STORAGE_KEY, code);
        } catch {
          // Not remembered, but still switched for this page.
        }
        setLanguage(code);
      },
    }),
    [current.code],
  );
  return (
    <LanguageContext.Provider value={choice}>
      <IntlProvider locale={current.code} messages={current.messages} defaultLocale={DEFAULT_LANGUAGE}>
        {children}
      </IntlProvider>
    </LanguageContext.Provider>
  );
}
