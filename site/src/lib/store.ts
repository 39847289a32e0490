import { create } from 'zustand';
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';
import type { CheckResult, ScenarioProgress } from './api.ts';

/** A session this browser started: its id and its own token. */
export interface StoredSession {
  id: string;
  token: string;
  expiresAt: number;
}

interface LabState {
  /** At most one live session per scenario, by scenario id. */
  sessions: Record<string, StoredSession>;
  /** The runner's record of progress, mirrored so a reload paints at once. */
  progress: Record<string, ScenarioProgress>;
  /** The latest check results, by scenario id. */
  results: Record<string, CheckResult[]>;
  /** Hint texts already revealed, by `scenario/check:<id>:<i>`. */
  hints: Record<string, string>;
  /** Steps without checks the learner marked done, by scenario id. */
  stepsDone: Record<string, string[]>;
  setSession(scenarioId: string, session: StoredSession | null): void;
  setProgress(progress: ScenarioProgress): void;
  setAllProgress(progress: ScenarioProgress[]): void;
  setResults(scenarioId: string, results: CheckResult[]): void;
  addHint(key: string, text: string): void;
  toggleStep(scenarioId: string, stepId: string): void;
}

/**
 * Where the state is kept: session tokens in this tab's sessionStorage (a token in
 * localStorage outlives the tab and is readable by any script of the origin for ever),
 * everything else in localStorage, shared by every tab.
 */
const splitStorage: StateStorage = {
  getItem(name) {
    const shared = localStorage.getItem(name);
    const own = sessionStorage.getItem(`${name}:sessions`);
    if (shared === null && own === null) return null;
    const parsed = (shared ? JSON.parse(shared) : { state: {}, version: 1 }) as { state: Record<string, unknown> };
    parsed.state.sessions = own ? JSON.parse(own) : {};
    return JSON.stringify(parsed);
  },
  setItem(name, value) {
    const parsed = JSON.parse(value) as { state: Record<string, unknown> };
    const { sessions, ...rest } = parsed.state;
    sessionStorage.setItem(`${name}:sessions`, JSON.stringify(sessions ?? {}));
    localStorage.setItem(name, JSON.stringify({ ...parsed, state: rest }));
  },
  removeItem(name) {
    localStorage.removeItem(name);
    sessionStorage.removeItem(`${name}:sessions`);
  },
};

/** The browser's state: progress shared by every tab through localStorage, tokens kept per tab. */
export const useLab = create<LabState>()(
  persist(
    (set) => ({
      sessions: {},
      progress: {},
      results: {},
      hints: {},
      stepsDone: {},
      setSession: (scenarioId, session) =>
        set((s) => {
          const sessions = { ...s.sessions };
          if (session) sessions[scenarioId] = session;
          else delete sessions[scenarioId];
          return { sessions };
        }),
      setProgress: (progress) => set((s) => ({ progress: { ...s.progress, [progress.scenarioId]: progress } })),
      setAllProgress: (all) => set(() => ({ progress: Object.fromEntries(all.map((p) => [p.scenarioId, p])) })),
      setResults: (scenarioId, results) => set((s) => ({ results: { ...s.results, [scenarioId]: results } })),
      addHint: (key, text) => set((s) => ({ hints: { ...s.hints, [key]: text } })),
      toggleStep: (scenarioId, stepId) =>
        set((s) => {
          const done = new Set(s.stepsDone[scenarioId] ?? []);
          if (done.has(stepId)) done.delete(stepId);
          else done.add(stepId);
          return { stepsDone: { ...s.stepsDone, [scenarioId]: [...done] } };
        }),
    }),
    { name: 'paranoid-lab', version: 1, storage: createJSONStorage(() => splitStorage) },
  ),
);

/** Other tabs write the same key: follow them, so two tabs never disagree for long. */
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === 'paranoid-lab') void useLab.persist.rehydrate();
  });
}
