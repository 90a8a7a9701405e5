{{/* The app name: nameOverride or the chart name. */}}
{{- define "cd4ml-model.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of every object: fullnameOverride or the release name (one model per release). */}}
{{- define "cd4ml-model.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Objects of the canary: <fullname>-canary. */}}
{{- define "cd4ml-model.canaryFullname" -}}
{{- printf "%s-canary" (include "cd4ml-model.fullname" . | trunc 56 | trimSuffix "-") }}
{{- end }}

{{- define "cd4ml-model.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: name + instance only, so a new model or image never changes them (Deployment
selectors are immutable). The canary is its own instance, <release>-canary, so the stable Service
never selects canary pods.
*/}}
{{- define "cd4ml-model.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cd4ml-model.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cd4ml-model.canarySelectorLabels" -}}
app.kubernetes.io/name: {{ include "cd4ml-model.name" . }}
app.kubernetes.io/instance: {{ printf "%s-canary" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object; the model version only where it is known. */}}
{{- define "cd4ml-model.commonLabels" -}}
helm.sh/chart: {{ include "cd4ml-model.chart" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cd4ml
{{- end }}

{{- define "cd4ml-model.labels" -}}
{{ include "cd4ml-model.commonLabels" . }}
{{ include "cd4ml-model.selectorLabels" . }}
app.kubernetes.io/component: server
{{- with .Values.model.version }}
app.kubernetes.io/version: {{ . | quote }}
io.cd4ml/model-version: {{ . | quote }}
{{- end }}
{{- end }}

{{- define "cd4ml-model.canaryLabels" -}}
{{ include "cd4ml-model.commonLabels" . }}
{{ include "cd4ml-model.canarySelectorLabels" . }}
app.kubernetes.io/component: canary
{{- with .Values.canary.model.version }}
app.kubernetes.io/version: {{ . | quote }}
io.cd4ml/model-version: {{ . | quote }}
{{- end }}
{{- end }}

{{/* repository@digest when the digest is known, else repository:tag. Argument: dict repository tag digest. */}}
{{- define "cd4ml-model.imageRef" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{- define "cd4ml-model.image" -}}
{{- include "cd4ml-model.imageRef" (dict "repository" .Values.image.repository "tag" .Values.image.tag "digest" .Values.image.digest) }}
{{- end }}

{{- define "cd4ml-model.canaryImage" -}}
{{- include "cd4ml-model.imageRef" (dict "repository" (default .Values.image.repository .Values.canary.image.repository) "tag" .Values.canary.image.tag "digest" .Values.canary.image.digest) }}
{{- end }}

{{/* Fails with the exact value to set; one message listing every problem. */}}
{{- define "cd4ml-model.validateValues" -}}
{{- $problems := list }}
{{- if not .Values.image.repository }}
{{- $problems = append $problems "image.repository is required: set it to the serving image's repository, e.g. --set image.repository=registry.example.com/ml/iris-classifier" }}
{{- end }}
{{- if and (not .Values.image.digest) (not .Values.image.tag) }}
{{- $problems = append $problems "set image.digest (sha256:...) or image.tag to the image cd4ml build-image reported" }}
{{- end }}
{{- if and (not .Values.image.digest) (eq .Values.image.tag "latest") }}
{{- $problems = append $problems "image.tag 'latest' names no particular image: set image.digest or a version tag" }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.host) }}
{{- $problems = append $problems "ingress.enabled needs ingress.host, e.g. --set ingress.host=iris.example.com" }}
{{- end }}
{{- if and .Values.canary.enabled (not .Values.ingress.enabled) }}
{{- $problems = append $problems "canary.enabled needs the stable Ingress (ingress-nginx splits the traffic): set ingress.enabled=true and ingress.host" }}
{{- end }}
{{- if and .Values.canary.enabled (not .Values.canary.image.digest) (not .Values.canary.image.tag) }}
{{- $problems = append $problems "canary.enabled needs canary.image.digest or canary.image.tag" }}
{{- end }}
{{- if and .Values.canary.enabled (not .Values.canary.image.digest) (eq .Values.canary.image.tag "latest") }}
{{- $problems = append $problems "canary.image.tag 'latest' names no particular image: set canary.image.digest or a version tag" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- $problems = append $problems (printf "autoscaling.maxReplicas (%d) is below autoscaling.minReplicas (%d)" (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas)) }}
{{- end }}
{{- $drain := add (int .Values.lifecycle.preStopSleepSeconds) (int .Values.server.gracefulTimeoutSeconds) }}
{{- if lt (int .Values.terminationGracePeriodSeconds) (int $drain) }}
{{- $problems = append $problems (printf "terminationGracePeriodSeconds (%d) is shorter than the shutdown it must cover: lifecycle.preStopSleepSeconds + server.gracefulTimeoutSeconds = %d; set terminationGracePeriodSeconds >= %d" (int .Values.terminationGracePeriodSeconds) (int $drain) (int $drain)) }}
{{- end }}
{{- if ge (float64 .Values.server.drainDelaySeconds) (float64 .Values.server.gracefulTimeoutSeconds) }}
{{- $problems = append $problems (printf "server.drainDelaySeconds (%v) must be below server.gracefulTimeoutSeconds (%v)" .Values.server.drainDelaySeconds .Values.server.gracefulTimeoutSeconds) }}
{{- end }}
{{- if and .Values.logging.fluentd.enabled (not .Values.logging.fluentd.host) }}
{{- $problems = append $problems "logging.fluentd.enabled needs logging.fluentd.host, e.g. fluentd.logging.svc" }}
{{- end }}
{{- if $problems }}
{{- fail (printf "\n\nVALUES VALIDATION:\n  - %s" (join "\n  - " $problems)) }}
{{- end }}
{{- end }}

{{/*
The pod template of a serving Deployment. Argument: dict "root" $ "canary" bool.
*/}}
{{- define "cd4ml-model.podTemplate" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
metadata:
  labels:
    {{- if .canary }}
    {{- include "cd4ml-model.canaryLabels" $root | nindent 4 }}
    {{- else }}
    {{- include "cd4ml-model.labels" $root | nindent 4 }}
    {{- end }}
    {{- with $v.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/logging: {{ include (print $root.Template.BasePath "/configmap-logging.yaml") $root | sha256sum }}
    {{- with $v.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- with $v.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.serviceAccountName }}
  serviceAccountName: {{ . }}
  {{- end }}
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: server
      image: {{ if .canary }}{{ include "cd4ml-model.canaryImage" $root | quote }}{{ else }}{{ include "cd4ml-model.image" $root | quote }}{{ end }}
      imagePullPolicy: {{ $v.image.pullPolicy }}
      args: ["serve"]
      ports:
        - name: http
          containerPort: {{ $v.server.port }}
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "cd4ml-model.fullname" $root }}-logging
      env:
        - name: PORT
          value: {{ $v.server.port | quote }}
        - name: CD4ML_WORKERS
          value: {{ $v.server.workers | quote }}
        {{- if not (kindIs "invalid" $v.server.batchMaxSize) }}
        - name: CD4ML_BATCH_MAX_SIZE
          value: {{ $v.server.batchMaxSize | quote }}
        {{- end }}
        - name: CD4ML_BATCH_MAX_LATENCY_MS
          value: {{ $v.server.batchMaxLatencyMs | quote }}
        - name: CD4ML_DRAIN_DELAY_S
          value: {{ $v.server.drainDelaySeconds | quote }}
        - name: CD4ML_GRACEFUL_TIMEOUT_S
          value: {{ $v.server.gracefulTimeoutSeconds | quote }}
        {{- with $v.model.name }}
        - name: CD4ML_MODEL_NAME
          value: {{ . | quote }}
        {{- end }}
        - name: CD4ML_IMAGE
          value: {{ if .canary }}{{ include "cd4ml-model.canaryImage" $root | quote }}{{ else }}{{ include "cd4ml-model.image" $root | quote }}{{ end }}
        {{- range $name, $value := $v.server.extraEnv }}
        - name: {{ $name }}
          value: {{ $value | quote }}
        {{- end }}
      startupProbe:
        httpGet:
          path: /health
          port: http
        periodSeconds: {{ $v.probes.startup.periodSeconds }}
        failureThreshold: {{ $v.probes.startup.failureThreshold }}
      readinessProbe:
        httpGet:
          path: /ready
          port: http
        periodSeconds: {{ $v.probes.readiness.periodSeconds }}
        failureThreshold: {{ $v.probes.readiness.failureThreshold }}
      livenessProbe:
        httpGet:
          path: /health
          port: http
        periodSeconds: {{ $v.probes.liveness.periodSeconds }}
        failureThreshold: {{ $v.probes.liveness.failureThreshold }}
      lifecycle:
        preStop:
          exec:
            # the pod leaves the Service's endpoints before the server starts draining
            command: ["sleep", "{{ $v.lifecycle.preStopSleepSeconds }}"]
      resources:
        {{- toYaml $v.resources | nindent 8 }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        runAsNonRoot: true
        capabilities:
          drop: ["ALL"]
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    # the only writable path: several workers share their metrics through it
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
  {{- with $v.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
