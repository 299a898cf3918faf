import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { LANGUAGES, MESSAGES, type Language, type MessageKey } from './messages';

/** Only the language choice is stored in the browser; nothing about the session ever is. */
const LANGUAGE_STORAGE_KEY = 'autocognitix.language';

export type Translate = (key: MessageKey, values?: Readonly<Record<string, string | number>>) => string;

export interface I18n {
  readonly language: Language;
  readonly setLanguage: (language: Language) => void;
  readonly t: Translate;
  readonly formatDate: (isoDate: string) => string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

function storedLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(LANGUAGE_STORAGE_KEY);
    return LANGUAGES.find((language) => language === stored) ?? 'hu';
  } catch {
    return 'hu';
  }
}

export function I18nProvider({ children }: { readonly children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(storedLanguage);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      window.localStorage.setItem(LANGUAGE_STORAGE_KEY, next);
    } catch {
      // Storage may be disabled: the choice then lasts for this page only.
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const messages = MESSAGES[language];
    const locale = language === 'hu' ? 'hu-HU' : 'en-GB';
    const dateFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' });
    return {
      language,
      setLanguage,
      t: (key, values) => messages[key].replace(/\{(\w+)\}/g, (placeholder, name: string) => (values?.[name] === undefined ? placeholder : String(values[name]))),
      formatDate: (isoDate) => {
        const date = new Date(isoDate);
        return Number.isNaN(date.getTime()) ? isoDate : dateFormat.format(date);
      },
    };
  }, [language, setLanguage]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (context === undefined) throw new Error('useI18n must be used inside <I18nProvider>');
  return context;
}
