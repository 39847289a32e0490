import { useEffect, useRef, useState } from 'react';
import { ApiFailure, type ApplyResult, api, type ObjectRef, type ScenarioFile } from '../lib/api.ts';
import type { StoredSession } from '../lib/store.ts';
import { monaco } from './editor/monaco.ts';

interface Props {
  scenarioId: string;
  session: StoredSession;
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
  | { kind: 'invalid'; message: string; line: number; column: number }
  | { kind: 'error'; message: string };

const MARKER_OWNER = 'paranoid-apply';

/** Monaco on the scenario's manifests and any object of the cluster, with Apply through the runner. */
export default function EditorPanel({ scenarioId, session, extraFiles, onError }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const [files, setFiles] = useState<OpenFile[]>([]);
  const [active, setActive] = useState<string>('');
  const [objects, setObjects] = useState<ObjectRef[]>([]);
  const [applying, setApplying] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

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
      ariaLabel: 'YAML editor',
      padding: { top: 12 },
    });
    editor.current = instance;
    instance.addAction({
      id: 'paranoid.apply',
      label: 'Apply to the cluster',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      run: () => document.getElementById('apply-button')?.click(),
    });
    api
      .scenarioFiles(scenarioId)
      .then((manifests) => {
        for (const file of manifests) open(`scenario/${file.path}`, file.path, file.content);
      })
      .catch(onError);
    api
      .objects(session.id, session.token)
      .then((res) => setObjects(res.objects))
      .catch(() => undefined);
    return () => {
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

  const openObject = async (value: string) => {
    const ref = objects[Number(value)];
    if (!ref) return;
    try {
      const { yaml } = await api.object(session.id, session.token, ref);
      const where = ref.namespace ? `${ref.namespace}/` : '';
      open(`cluster/${where}${ref.kind}/${ref.name}.yaml`, `cluster: ${ref.kind} ${where}${ref.name}`, yaml);
    } catch (error) {
      onError(error);
    }
  };

  const apply = async () => {
    const model = editor.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(model, MARKER_OWNER, []);
    setApplying(true);
    try {
      const { results } = await api.apply(session.id, session.token, model.getValue());
      setOutcome({ kind: 'applied', results });
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
            onChange={(e) => void openObject(e.target.value)}
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
        <button id="apply-button" type="button" className="btn btn-primary" onClick={apply} disabled={applying}>
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
            Edit, then <kbd>Ctrl</kbd>+<kbd>Enter</kbd> or Apply. The runner applies through the Kubernetes API
            (server-side apply), so admission control answers exactly as it would for kubectl.
          </p>
        )}
      </div>
    </div>
  );
}
