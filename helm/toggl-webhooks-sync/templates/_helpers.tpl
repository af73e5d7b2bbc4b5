{{/* Chart name, overridable with nameOverride. DNS names are limited to 63 characters. */}}
{{- define "toggl-webhooks-sync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, plus the chart name unless the release name already
contains it ("tws-toggl-webhooks-sync", but "toggl-webhooks-sync" for a release of that name).
*/}}
{{- define "toggl-webhooks-sync.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "toggl-webhooks-sync.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "toggl-webhooks-sync.labels" -}}
helm.sh/chart: {{ include "toggl-webhooks-sync.chart" . }}
{{ include "toggl-webhooks-sync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: toggl-webhooks-sync
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that select the pod: immutable on a Deployment, so never add version-dependent ones here. */}}
{{- define "toggl-webhooks-sync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "toggl-webhooks-sync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "toggl-webhooks-sync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "toggl-webhooks-sync.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* image reference: a digest pins the exact build and wins over the tag. */}}
{{- define "toggl-webhooks-sync.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Name of the ConfigMap that holds the subscription files (chart-rendered or existing). */}}
{{- define "toggl-webhooks-sync.configMapName" -}}
{{- default (include "toggl-webhooks-sync.fullname" .) .Values.existingConfigMap }}
{{- end }}

{{/*
Refuses ambiguous or incomplete input at render time, where the message reaches the person running
helm, instead of a pod that starts and reconciles the wrong (or no) files.
*/}}
{{- define "toggl-webhooks-sync.validate" -}}
{{- $_ := required "token.existingSecret is required: create a Secret holding the Toggl API token (kubectl create secret generic toggl-api-token --from-literal=token=...) and set token.existingSecret to its name" .Values.token.existingSecret }}
{{- $sources := 0 }}
{{- if .Values.subscriptions }}{{ $sources = add1 $sources }}{{ end }}
{{- if .Values.existingConfigMap }}{{ $sources = add1 $sources }}{{ end }}
{{- if .Values.gitSync.enabled }}{{ $sources = add1 $sources }}{{ end }}
{{- if ne (int $sources) 1 }}
{{- fail "set exactly one source of subscription files: subscriptions (files rendered into a ConfigMap), existingConfigMap, or gitSync.enabled" }}
{{- end }}
{{- if and .Values.gitSync.enabled (not .Values.gitSync.repo) }}
{{- fail "gitSync.repo is required when gitSync.enabled is true" }}
{{- end }}
{{- if and .Values.gitSync.enabled (ne .Values.gitSync.auth.method "none") (not .Values.gitSync.auth.existingSecret) }}
{{- fail "gitSync.auth.existingSecret is required when gitSync.auth.method is https or ssh" }}
{{- end }}
{{- end }}

{{/* The directory the daemon reads: the mounted ConfigMap, or the git-sync link (plus subPath). */}}
{{- define "toggl-webhooks-sync.inputPath" -}}
{{- if .Values.gitSync.enabled }}
{{- $path := printf "/git/%s" .Values.gitSync.link }}
{{- with trimAll "/" .Values.gitSync.subPath }}
{{- $path = printf "%s/%s" $path . }}
{{- end }}
{{- $path }}
{{- else }}
{{- print "/config" }}
{{- end }}
{{- end }}

{{/* git-sync flags shared by the init container (first clone) and the sidecar (follows the ref). */}}
{{- define "toggl-webhooks-sync.gitSyncArgs" -}}
- {{ printf "--repo=%s" .Values.gitSync.repo | quote }}
- {{ printf "--ref=%s" .Values.gitSync.ref | quote }}
- --root=/git
- {{ printf "--link=%s" .Values.gitSync.link | quote }}
- {{ printf "--depth=%v" .Values.gitSync.depth | quote }}
{{- if eq .Values.gitSync.auth.method "https" }}
{{- /* the username comes from the env var GITSYNC_USERNAME, the token from a file: neither in args */}}
- --password-file=/etc/git-secret/password
{{- else if eq .Values.gitSync.auth.method "ssh" }}
- --ssh
- --ssh-key-file=/etc/git-secret/ssh
- --ssh-known-hosts=true
- --ssh-known-hosts-file=/etc/git-secret/known_hosts
{{- end }}
{{- range .Values.gitSync.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}

{{/* git-sync container body shared by the init container and the sidecar. */}}
{{- define "toggl-webhooks-sync.gitSyncContainer" -}}
image: "{{ .Values.gitSync.image.repository }}:{{ .Values.gitSync.image.tag }}"
imagePullPolicy: {{ .Values.gitSync.image.pullPolicy }}
{{- if eq .Values.gitSync.auth.method "https" }}
env:
  - name: GITSYNC_USERNAME
    valueFrom:
      secretKeyRef:
        name: {{ .Values.gitSync.auth.existingSecret }}
        key: username
{{- end }}
# git-sync's own image user by default; the shared volume is group-owned by podSecurityContext.fsGroup.
securityContext:
  {{- toYaml .Values.gitSync.securityContext | nindent 2 }}
resources:
  {{- toYaml .Values.gitSync.resources | nindent 2 }}
volumeMounts:
  - name: git
    mountPath: /git
  # git-sync's HOME (git writes its config there); the root filesystem is read-only.
  - name: git-tmp
    mountPath: /tmp
  {{- if ne .Values.gitSync.auth.method "none" }}
  - name: git-secret
    mountPath: /etc/git-secret
    readOnly: true
  {{- end }}
{{- end }}
