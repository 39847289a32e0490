// Vite bundles monaco-yaml's worker only through a local entry (see monaco-yaml's FAQ).
import 'monaco-yaml/yaml.worker.js';
