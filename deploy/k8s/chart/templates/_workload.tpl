{{/*
One LungFlow service Deployment. Every service gets the same shape (probes, security, config) so that a fix lands
everywhere at once. Arguments (dict):
  root       the chart's root context
  component  ingest | report | infer-cpu | infer-gpu (names the Deployment and its pods)
  service    ingest | report | infer (its ConfigMap, its container, the image's service)
  imageName  lungflow-<imageName> image when the block gives no repository
  c          the values block (replicas, resources, nodeSelector, tolerations, affinity, image)
  port       container port of /healthz, /readyz, /metrics and the API
  autoscaled true when KEDA owns the replica count
  env        extra env entries (list)
  secrets    Secret names to load whole (envFrom)
  volumes, volumeMounts  extra ones (lists)
*/}}
{{- define "lungflow.deployment" -}}
{{- $root := .root -}}
{{- $c := .c -}}
{{- $fullname := include "lungflow.fullname" $root -}}
{{- $selector := include "lungflow.selectorLabels" (dict "root" $root "component" .component) -}}
{{- /* Every service's Kafka and Redis clients get the same credentials and CA files (lungflow.backendClient). */ -}}
{{- $backend := include "lungflow.backendClient" (dict "root" $root "service" .service) | fromYaml -}}
{{- $env := concat (.env | default list) $backend.env -}}
{{- $volumes := concat (.volumes | default list) $backend.volumes -}}
{{- $volumeMounts := concat (.volumeMounts | default list) $backend.volumeMounts -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}-{{ .component }}
  labels:
    {{- include "lungflow.labels" $root | nindent 4 }}
    app.kubernetes.io/name: lungflow
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ $c.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- $selector | nindent 8 }}
        app.kubernetes.io/part-of: lungflow
        lungflow.io/service: {{ .service }}
      annotations:
        # Roll the pods when their configuration changes.
        checksum/config: {{ include (print $root.Template.BasePath "/configmaps.yaml") $root | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ .port | quote }}
        prometheus.io/path: /metrics
    spec:
      serviceAccountName: {{ include "lungflow.serviceAccountName" $root }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: 30
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .service }}
          image: {{ include "lungflow.image" (dict "root" $root "name" .imageName "image" $c.image) | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $fullname }}-common
            - configMapRef:
                name: {{ $fullname }}-{{ .service }}
            {{- range .secrets }}
            - secretRef:
                name: {{ . }}
            {{- end }}
          {{- with $env }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with ($c.startupProbe | default $root.Values.probes.startup) }}
          startupProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with ($c.livenessProbe | default $root.Values.probes.liveness) }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with ($c.readinessProbe | default $root.Values.probes.readiness) }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $c.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $root.Values.containerSecurityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            # The root filesystem is read-only; Node, sharp and onnxruntime write scratch files here.
            - name: tmp
              mountPath: /tmp
            {{- with $volumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 1Gi
        {{- with $volumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $c.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $c.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $c.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
