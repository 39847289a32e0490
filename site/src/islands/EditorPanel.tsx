import { useEffect, useRef, useState } from 'react';
import { ApiFailure, type ApplyResult, api, type ObjectRef, type ScenarioFile } from '../lib/api.ts';
import { escapeThenTab } from '../lib/focus.ts';
import { likelyToFix } from '../lib/likely-fix.ts';
import type { StoredSession } from '../lib/store.ts';
import { monaco } from './editor/monaco.ts';

interface Props {
  session: StoredSession;
  /** The fix steps' text: the objects it names are opened first, live from the cluster. */
  fixText: string;
  /** Files to open on top of the scenario's manifests (the revealed solution). */
  extraFiles: ScenarioFile[] | null;
  onError(error: unknown): void;
}

interface OpenFile {
  key: string;
  label: string;
  model: monaco.editor.ITextModel;
}

type Outcome =
  | { kind: 'applied'; results: ApplyResult[] }
  | { kind: 'stale'; label: string }
  | { kind: 'invalid'; message: string; line: number; column: number }
  | { kind: 'error'; message: string };

const MARKER_OWNER = 'paranoid-apply';

/** Where a new object is written: nothing in it comes from a setup file. */
const NEW_FILE = `# New objects (a NetworkPolicy, a Role, a ValidatingAdmissionPolicy...): write them here, then Apply.
# Objects already in the cluster open live from "Open from the cluster".
`;

const keyOf = (ref: ObjectRef) => `cluster/${ref.namespace ? `${ref.namespace}/` : ''}${ref.kind}/${ref.name}.yaml`;

/** Monaco on the scenario's manifests and any object of the cluster, with Apply through the runner. */
export default function EditorPanel({ session, fixText, extraFiles, onError }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const [files, setFiles] = useState<OpenFile[]>([]);
  const [active, setActive] = useState<string>('');
  const [objects, setObjects] = useState<ObjectRef[]>([]);
  const [applying, setApplying] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  /** The cluster's copy of each object as it was opened: Apply compares it with the cluster's copy now. */
  const opened = useRef(new Map<string, { ref: ObjectRef; yaml: string }>());

  const open = (key: string, label: string, content: string) => {
    const uri = monaco.Uri.parse(`file:///${key}`);
    const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(content, 'yaml', uri);
    setFiles((list) => (list.some((f) => f.key === key) ? list : [...list, { key, label, model }]));
    setActive(key);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: one editor per session; open() and onError are read once
  useEffect(() => {
    if (!host.current) return;
    const instance = monaco.editor.create(host.current, {
      theme: 'paranoid',
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 14,
      fontFamily: "ui-monospace, 'JetBrains Mono', Menlo, Consolas, 'Liberation Mono', monospace",
      scrollBeyondLastLine: false,
      tabSize: 2,
      insertSpaces: true,
      quickSuggestions: { other: true, strings: true, comments: false },
      ariaLabel: 'YAML editor. Tab indents; press Escape then Tab to leave the editor.',
      padding: { top: 12 },
    });
    editor.current = instance;
    // Escape then Tab leaves the editor (WCAG 2.1.2), caught before Monaco indents with it.
    const box = host.current;
    const leave = escapeThenTab(() => box);
    const onKey = (event: KeyboardEvent) => void leave(event);
    box.addEventListener('keydown', onKey, true);
    instance.addAction({
      id: 'paranoid.apply',
      label: 'Apply to the cluster',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      run: () => document.getElementById('apply-button')?.click(),
    });
    // What the learner most likely fixes, live from the cluster: never a setup file (it may hold the
    // very secrets the scenario leaks, and applying it would undo a fix), never a stale copy.
    open('new.yaml', 'new objects', NEW_FILE);
    api
      .objects(session.id, session.token)
      .then(async (res) => {
        setObjects(res.objects);
        // Fetched together and opened at once, the first active: the editor does not flick between them.
        const likely = likelyToFix(res.objects, fixText);
        const loaded = await Promise.all(likely.map((ref) => api.object(session.id, session.token, ref)));
        for (let i = likely.length - 1; i >= 0; i--) showObject(likely[i]!, loaded[i]!.yaml);
      })
      .catch(onError);
    return () => {
      box.removeEventListener('keydown', onKey, true);
      instance.dispose();
      for (const model of monaco.editor.getModels()) model.dispose();
    };
  }, [session.id]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: open() only adds models; re-running on its identity would reopen files
  useEffect(() => {
    for (const file of extraFiles ?? []) open(`solution/${file.path}`, `solution: ${file.path}`, file.content);
  }, [extraFiles]);

  useEffect(() => {
    const file = files.find((f) => f.key === active);
    if (file && editor.current && editor.current.getModel() !== file.model) editor.current.setModel(file.model);
  }, [active, files]);

  const showObject = (ref: ObjectRef, yaml: string) => {
    const where = ref.namespace ? `${ref.namespace}/` : '';
    const key = keyOf(ref);
    // Opening again reloads: the copy in the editor is the cluster's as of now.
    monaco.editor.getModel(monaco.Uri.parse(`file:///${key}`))?.setValue(yaml);
    opened.current.set(key, { ref, yaml });
    open(key, `cluster: ${ref.kind} ${where}${ref.name}`, yaml);
  };

  const openObject = async (ref: ObjectRef | undefined) => {
    if (!ref) return;
    try {
      showObject(ref, (await api.object(session.id, session.token, ref)).yaml);
    } catch (error) {
      onError(error);
    }
  };

  /** The object in the active file changed in the cluster since it was opened (kubectl, a controller). */
  const changedSinceOpened = async (): Promise<string | null> => {
    const snapshot = opened.current.get(active);
    if (!snapshot) return null;
    const live = await api.object(session.id, session.token, snapshot.ref).catch(() => null);
    if (!live || live.yaml === snapshot.yaml) return null;
    const { ref } = snapshot;
    return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  };

  const apply = async (anyway = false) => {
    const model = editor.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(model, MARKER_OWNER, []);
    setApplying(true);
    try {
      const stale = anyway ? null : await changedSinceOpened();
      if (stale) {
        setOutcome({ kind: 'stale', label: stale });
        return;
      }
      const { results } = await api.apply(session.id, session.token, model.getValue());
      setOutcome({ kind: 'applied', results });
      // What was applied is now the cluster's copy: the next Apply compares with it.
      const snapshot = opened.current.get(active);
      if (snapshot && results.every((r) => r.ok)) {
        const live = await api.object(session.id, session.token, snapshot.ref).catch(() => null);
        if (live) opened.current.set(active, { ...snapshot, yaml: live.yaml });
      }
    } catch (error) {
      if (error instanceof ApiFailure && error.code === 'InvalidYaml' && error.position) {
        const { line, column } = error.position;
        monaco.editor.setModelMarkers(model, MARKER_OWNER, [
          {
            severity: monaco.MarkerSeverity.Error,
            message: error.message,
            startLineNumber: line,
            startColumn: column,
            endLineNumber: line,
            endColumn: model.getLineMaxColumn(Math.min(line, model.getLineCount())),
          },
        ]);
        editor.current?.revealLineInCenter(line);
        editor.current?.setPosition({ lineNumber: line, column });
        setOutcome({ kind: 'invalid', message: error.message, line, column });
      } else if (error instanceof ApiFailure && error.sessionEnded) {
        onError(error);
      } else {
        setOutcome({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      setApplying(false);
    }
  };

  return (
    <div className="editor">
      <div className="editor-bar">
        <label>
          <span className="visually-hidden">Open file</span>
          <select value={active} onChange={(e) => setActive(e.target.value)} aria-label="Open file">
            {files.map((f) => (
              <option key={f.key} value={f.key}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="visually-hidden">Open an object from the cluster</span>
          <select
            value=""
            onChange={(e) => void openObject(objects[Number(e.target.value)])}
            aria-label="Open an object from the cluster"
            onFocus={() =>
              api
                .objects(session.id, session.token)
                .then((r) => setObjects(r.objects))
                .catch(() => undefined)
            }
          >
            <option value="">Open from the cluster…</option>
            {objects.map((o, i) => (
              <option key={`${o.kind}/${o.namespace ?? ''}/${o.name}`} value={i}>
                {o.kind} {o.namespace ? `${o.namespace}/` : ''}
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <span className="header-spacer" />
        <button
          id="apply-button"
          type="button"
          className="btn btn-primary"
          onClick={() => void apply()}
          disabled={applying}
        >
          {applying ? 'Applying…' : 'Apply'}
        </button>
      </div>
      <div className="editor-host" ref={host} data-testid="editor" />
      <div className="apply-outcome" role="status" aria-live="polite">
        {outcome?.kind === 'invalid' && (
          <p className="outcome-fail">
            <strong>
              Not applied: line {outcome.line}, column {outcome.column}.
            </strong>{' '}
            {outcome.message}
          </p>
        )}
        {outcome?.kind === 'stale' && (
          <div className="outcome-warn" role="alert">
            <p>
              <strong>Not applied: {outcome.label} changed in the cluster since you opened it.</strong> Applying this
              older copy would undo those changes (yours in the terminal, or a controller's).
            </p>
            <div className="outcome-actions">
              <button
                type="button"
                className="btn btn-small"
                onClick={() => void openObject(opened.current.get(active)?.ref).then(() => setOutcome(null))}
              >
                Reload from the cluster
              </button>
              <button type="button" className="btn btn-small" onClick={() => void apply(true)}>
                Apply my copy anyway
              </button>
            </div>
          </div>
        )}
        {outcome?.kind === 'error' && (
          <p className="outcome-fail">
            <strong>Not applied.</strong> {outcome.message}
          </p>
        )}
        {outcome?.kind === 'applied' && (
          <ul className="apply-results">
            {outcome.results.map((r) => (
              <li key={`${r.kind}/${r.namespace ?? ''}/${r.name}`} className={r.ok ? 'outcome-ok' : 'outcome-fail'}>
                <strong>
                  {r.kind.toLowerCase()}/{r.name}
                </strong>{' '}
                {r.ok ? r.action : r.code === 'AdmissionDenied' ? 'denied by admission: ' : 'failed: '}
                {!r.ok && <span className="server-message">{r.message}</span>}
              </li>
            ))}
          </ul>
        )}
        {!outcome && (
          <p className="muted">
            Edit, then <kbd>Ctrl</kbd>+<kbd>Enter</kbd> or Apply; <kbd>Esc</kbd> then <kbd>Tab</kbd> leaves the editor.
            The runner applies through the Kubernetes API (server-side apply), so admission control answers exactly as
            it would for kubectl.
          </p>
        )}
      </div>
    </div>
  );
}
