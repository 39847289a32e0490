{{/* The chart's name, or nameOverride. */}}
{{- define "paranoid.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object's name: the release, then the chart unless the release already says it. */}}
{{- define "paranoid.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The labels that select the runner's pods: stable across upgrades. */}}
{{- define "paranoid.selectorLabels" -}}
app.kubernetes.io/name: {{ include "paranoid.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: runner
{{- end -}}

{{/* Every object's labels: the one place they are written. */}}
{{- define "paranoid.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "paranoid.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: paranoid
{{- end -}}

{{- define "paranoid.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "paranoid.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "paranoid.secretName" -}}
{{- default (include "paranoid.fullname" .) .Values.secret.existingSecret -}}
{{- end -}}

{{/* The image reference: the digest wins over the tag. */}}
{{- define "paranoid.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Refuses values the runner cannot run with, with the reason. */}}
{{/* Seconds a stopping replica waits for its sessions: drain.timeoutSeconds, or the session TTL. */}}
{{- define "paranoid.drainSeconds" -}}
{{- if gt (int .Values.drain.timeoutSeconds) 0 -}}{{ int .Values.drain.timeoutSeconds }}{{- else -}}{{ mul (int .Values.sessions.ttlMinutes) 60 }}{{- end -}}
{{- end -}}

{{/* The replicas' shared secret: the value given, else the one the release's Secret already holds, else a new one. */}}
{{- define "paranoid.replicaSecret" -}}
{{- if .Values.secret.replicaSecret -}}
{{- .Values.secret.replicaSecret -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "paranoid.fullname" .) -}}
{{- if and $existing (index ($existing.data | default dict) "replica-secret") -}}
{{- index $existing.data "replica-secret" | b64dec -}}
{{- else -}}
{{- randAlphaNum 48 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "paranoid.validate" -}}
{{- if and .Values.secret.replicaSecret (lt (len .Values.secret.replicaSecret) 32) -}}
{{- fail "secret.replicaSecret must have at least 32 characters (openssl rand -base64 32)" -}}
{{- end -}}
{{- if not (has .Values.provider (list "sim" "namespace")) -}}
{{- fail (printf "provider %q cannot run in a pod: this chart supports \"sim\" and \"namespace\" (kind needs a Docker engine)" .Values.provider) -}}
{{- end -}}
{{- if and (eq .Values.provider "namespace") (eq .Values.terminals.mode "pod") -}}
{{- fail "terminals.mode \"pod\" is for provider \"sim\": the namespace provider already gives each learner a toolbox pod in their namespace" -}}
{{- end -}}
{{- if not (has .Values.terminals.mode (list "sandbox" "pod")) -}}
{{- fail (printf "terminals.mode %q: expected \"sandbox\" or \"pod\"" .Values.terminals.mode) -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.secret.databaseUrl) (not .Values.secret.existingSecret) -}}
{{- fail "replicaCount > 1 needs secret.databaseUrl (or secret.existingSecret): without PostgreSQL each replica keeps its own progress in SQLite on an emptyDir" -}}
{{- end -}}
{{- end -}}

{{/* The namespace provider's toolbox image: namespaceProvider.toolboxImage, else the runner image. */}}
{{- define "paranoid.toolboxImage" -}}
{{- default (include "paranoid.image" .) .Values.namespaceProvider.toolboxImage -}}
{{- end -}}

{{/* Whether the runner talks to the Kubernetes API: terminal pods, or the namespace provider. */}}
{{- define "paranoid.usesKubeApi" -}}
{{- if or (eq .Values.terminals.mode "pod") (eq .Values.provider "namespace") -}}true{{- end -}}
{{- end -}}

{{/* The terminal image: terminals.image, else the runner image (it holds a shell and kubectl). */}}
{{- define "paranoid.terminalImage" -}}
{{- default (include "paranoid.image" .) .Values.terminals.image -}}
{{- end -}}
