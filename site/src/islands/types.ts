/** What the player page passes its island, all known at build time. */
export interface StepProps {
  id: string;
  title: string;
  kind: 'explore' | 'attack' | 'fix' | 'verify';
  /** The step's Markdown, rendered at build time. */
  html: string;
  checks: string[];
  hintCount: number;
}

export interface LessonLink {
  slug: string;
  title: string;
}

export interface PlayerProps {
  scenario: {
    id: string;
    title: string;
    summary: string;
    incident: { title: string; year?: number };
    difficulty: string;
    minutes: number;
  };
  steps: StepProps[];
  checks: { id: string; title: string; level: 'MUST' | 'SHOULD' }[];
  lessons: LessonLink[];
}
