{{/* Names and labels, as `helm create` makes them. */}}
{{- define "meshbridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "meshbridge.fullname" -}}
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

{{- define "meshbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meshbridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "meshbridge.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "meshbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "meshbridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "meshbridge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret that the configuration's {"env": NAME} and {"file": PATH} references read. */}}
{{- define "meshbridge.secretName" -}}
{{- default (include "meshbridge.fullname" .) .Values.secret.name }}
{{- end }}

{{/* The ops port: config.http.port (the bridge's default 9464). Port 0 cannot be probed. */}}
{{- define "meshbridge.httpPort" -}}
{{- $port := int (dig "http" "port" 9464 .Values.config) }}
{{- if or (lt $port 1) (gt $port 65535) }}
{{- fail (printf "config.http.port: expected 1-65535 in a pod (probes and the ServiceMonitor need a fixed port), got %d" $port) }}
{{- end }}
{{- $port }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the bridge drains in-flight work for shutdownGraceSeconds after
SIGTERM, then spends a few more seconds releasing the rest and closing Kafka (AFTER_GRACE_MS in
src/cli/bridge.ts). The pod must outlive both, or the kubelet's SIGKILL cuts the drain short.
*/}}
{{- define "meshbridge.terminationGracePeriodSeconds" -}}
{{- $grace := int (dig "shutdownGraceSeconds" 25 .Values.config) }}
{{- $period := int (default (add $grace .Values.shutdown.marginSeconds) .Values.terminationGracePeriodSeconds) }}
{{- if le $period $grace }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.shutdownGraceSeconds (%d), or Kubernetes kills the bridge while it drains" $period $grace) }}
{{- end }}
{{- $period }}
{{- end }}

{{/* A subscription as the gcp-pubsub scaler wants it: a full path, else under the source's project. */}}
{{- define "meshbridge.subscriptionPath" -}}
{{- if hasPrefix "projects/" .subscription }}
{{- .subscription }}
{{- else }}
{{- printf "projects/%s/subscriptions/%s" .project .subscription }}
{{- end }}
{{- end }}

{{/* The sections of config without defaults (values.yaml says why): refuse to render without them. */}}
{{- define "meshbridge.requireConfig" -}}
{{- $config := .Values.config }}
{{- $missing := list }}
{{- if empty (dig "kafka" "bootstrapBrokers" list $config) }}{{ $missing = append $missing "config.kafka.bootstrapBrokers" }}{{ end }}
{{- if empty (dig "registry" "url" "" $config) }}{{ $missing = append $missing "config.registry.url" }}{{ end }}
{{- if empty (dig "keys" dict $config) }}{{ $missing = append $missing "config.keys" }}{{ end }}
{{- if and (empty (dig "sources" "sqs" list $config)) (empty (dig "sources" "pubsub" dict $config)) }}
{{- $missing = append $missing "config.sources.sqs or config.sources.pubsub" }}
{{- end }}
{{- if $missing }}
{{- fail (printf "expected the bridge's configuration to give %s (the README's configuration table; examples in deploy/examples)" (join ", " $missing)) }}
{{- end }}
{{- end }}
