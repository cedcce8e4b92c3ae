{{/* Names: "<release>-lungflow" unless the release name already says lungflow. */}}
{{- define "lungflow.fullname" -}}
{{- if contains "lungflow" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-lungflow" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lungflow.labels" -}}
app.kubernetes.io/part-of: lungflow
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Labels that select one component's pods: (dict "root" $ "component" "ingest"). */}}
{{- define "lungflow.selectorLabels" -}}
app.kubernetes.io/name: lungflow
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lungflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "lungflow.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* A LungFlow image: (dict "root" $ "name" "ingest" "image" .Values.ingest.image). */}}
{{- define "lungflow.image" -}}
{{- $img := .image | default dict -}}
{{- $repo := $img.repository | default (printf "%s/lungflow-%s" .root.Values.image.registry .name) -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (($img.tag | default .root.Values.image.tag) | default .root.Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- define "lungflow.kafkaBootstrap" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-kafka-kafka-bootstrap:9092" (include "lungflow.fullname" .) -}}
{{- else -}}
{{- required "kafka.bootstrapServers is required when kafka.strimzi.enabled is false" .Values.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{- define "lungflow.redisUrl" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s-redis:6379" (include "lungflow.fullname" .) -}}
{{- else -}}
{{- required "redis.url is required when redis.enabled is false" .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{- define "lungflow.dicomwebUrl" -}}
{{- if and .Values.orthanc.enabled (not .Values.pacs.url) -}}
{{- printf "http://%s-orthanc:8042/dicom-web" (include "lungflow.fullname" .) -}}
{{- else -}}
{{- required "pacs.url (the PACS DICOMweb root) is required" .Values.pacs.url -}}
{{- end -}}
{{- end -}}

{{- define "lungflow.pacsSecretName" -}}
{{- default (printf "%s-pacs" (include "lungflow.fullname" .)) .Values.pacs.existingSecret -}}
{{- end -}}

{{- define "lungflow.ingestSecretName" -}}
{{- default (printf "%s-ingest" (include "lungflow.fullname" .)) .Values.ingest.existingSecret -}}
{{- end -}}

{{- define "lungflow.reportSecretName" -}}
{{- default (printf "%s-report" (include "lungflow.fullname" .)) .Values.report.existingSecret -}}
{{- end -}}

{{/* A Secret value: the one given, else the one already in the cluster (upgrades keep it), else a random one. */}}
{{- define "lungflow.secretValue" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- if .value -}}
{{- .value | b64enc -}}
{{- else if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum 32 | b64enc -}}
{{- end -}}
{{- end -}}

{{/* A third-party image (Redis, Orthanc): repository[:tag][@digest]; an empty tag stays empty (policy rejects it). */}}
{{- define "lungflow.thirdPartyImage" -}}
{{- .repository -}}{{- with .tag -}}:{{ . }}{{- end -}}{{- with .digest -}}@{{ . }}{{- end -}}
{{- end -}}
