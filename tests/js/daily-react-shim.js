// A stand-in for `@daily-co/daily-react`'s DailyProvider and useDaily, for the README's React
// example (tests/page/readme.test.mjs): the provider hands its call object down. Test helper.
import { createContext, createElement, useContext } from 'react';

const Call = createContext(null);

export function DailyProvider({ callObject, children }) {
  return createElement(Call.Provider, { value: callObject }, children);
}

export function useDaily() {
  return useContext(Call);
}
