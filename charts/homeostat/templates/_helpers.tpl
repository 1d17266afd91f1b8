{{/* The chart name, or nameOverride. */}}
{{- define "homeostat.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The prefix of every object name: fullnameOverride, or "<release>-<chart>" unless the release name
already contains the chart name. Truncated to leave room for suffixes such as "-dashboard".
*/}}
{{- define "homeostat.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "homeostat.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "homeostat.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object of the release. */}}
{{- define "homeostat.labels" -}}
helm.sh/chart: {{ include "homeostat.chart" . }}
app.kubernetes.io/name: {{ include "homeostat.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: homeostat
{{- end -}}

{{/* Labels of one component's objects; call with (dict "ctx" $ "component" "operator"). */}}
{{- define "homeostat.componentLabels" -}}
{{ include "homeostat.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The immutable selector of one component's pods; same call as componentLabels. */}}
{{- define "homeostat.selectorLabels" -}}
app.kubernetes.io/name: {{ include "homeostat.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "homeostat.operator.fullname" -}}
{{- printf "%s-operator" (include "homeostat.fullname" .) -}}
{{- end -}}

{{- define "homeostat.dashboard.fullname" -}}
{{- printf "%s-dashboard" (include "homeostat.fullname" .) -}}
{{- end -}}

{{- define "homeostat.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "homeostat.operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "homeostat.dashboard.secretName" -}}
{{- default (printf "%s-control-token" (include "homeostat.dashboard.fullname" .)) .Values.dashboard.controlToken.existingSecret -}}
{{- end -}}

{{/* repository[:tag][@digest], the tag defaulting to the chart's appVersion. */}}
{{- define "homeostat.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The restricted Pod Security Standard, for every pod of the chart: non-root, no privilege
escalation, no capabilities, RuntimeDefault seccomp, read-only root filesystem.
*/}}
{{- define "homeostat.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "homeostat.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The downward-API variables both programs use: who and where they are. */}}
{{- define "homeostat.podEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: NODE_ENV
  value: production
{{- end -}}

{{/* Preferred anti-affinity over nodes for a component; same call as componentLabels. */}}
{{- define "homeostat.spreadAffinity" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "homeostat.selectorLabels" . | nindent 12 }}
{{- end -}}
