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

{{- define "lungflow.kafkaCluster" -}}
{{- printf "%s-kafka" (include "lungflow.fullname" .) -}}
{{- end -}}

{{/* "true" when the Kafka clients use TLS or SASL (kafka.tls, kafka.sasl); empty otherwise. */}}
{{- define "lungflow.kafkaSecure" -}}
{{- if or .Values.kafka.tls.enabled .Values.kafka.sasl.mechanism -}}true{{- end -}}
{{- end -}}

{{- define "lungflow.kafkaBootstrap" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{- /* Strimzi's bootstrap Service has a port per listener: 9092 plaintext, 9093 the secure one (kafka.yaml). */ -}}
{{- printf "%s-kafka-bootstrap:%s" (include "lungflow.kafkaCluster" .) (ternary "9093" "9092" (eq (include "lungflow.kafkaSecure" .) "true")) -}}
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

{{/* The Secret holding the CA of the brokers' certificates: kafka.tls.caSecret, else Strimzi's cluster CA. */}}
{{- define "lungflow.kafkaCaSecret" -}}
{{- if .Values.kafka.tls.caSecret -}}
{{- .Values.kafka.tls.caSecret -}}
{{- else if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-cluster-ca-cert" (include "lungflow.kafkaCluster" .) -}}
{{- end -}}
{{- end -}}

{{/* The Secret of Redis's password (key REDIS_PASSWORD); empty when redis.auth is off. */}}
{{- define "lungflow.redisSecretName" -}}
{{- if .Values.redis.auth.enabled -}}
{{- default (printf "%s-redis" (include "lungflow.fullname" .)) .Values.redis.auth.existingSecret -}}
{{- end -}}
{{- end -}}

{{/*
What a service's container needs to reach Kafka and Redis securely, as YAML {env, volumes, volumeMounts}:
(dict "root" $ "service" "ingest"). The services read these through libs/config commonSettings (KAFKA_TLS*,
KAFKA_SASL_*, REDIS_PASSWORD, REDIS_TLS_CA_FILE); KAFKA_TLS and KAFKA_SASL_MECHANISM are in the common ConfigMap.
Passwords come by secretKeyRef, never through a ConfigMap; CA and client certificates are mounted files.
*/}}
{{- define "lungflow.backendClient" -}}
{{- $v := .root.Values -}}
{{- $env := list -}}
{{- $volumes := list -}}
{{- $mounts := list -}}
{{- if $v.kafka.tls.enabled -}}
{{- with include "lungflow.kafkaCaSecret" .root -}}
{{- $volumes = append $volumes (dict "name" "kafka-ca" "secret" (dict "secretName" . "items" (list (dict "key" $v.kafka.tls.caKey "path" "ca.crt")))) -}}
{{- $mounts = append $mounts (dict "name" "kafka-ca" "mountPath" "/etc/lungflow/kafka-ca" "readOnly" true) -}}
{{- end -}}
{{- with $v.kafka.tls.clientSecret -}}
{{- $volumes = append $volumes (dict "name" "kafka-client" "secret" (dict "secretName" . "items" (list (dict "key" $v.kafka.tls.certKey "path" "user.crt") (dict "key" $v.kafka.tls.keyKey "path" "user.key")))) -}}
{{- $mounts = append $mounts (dict "name" "kafka-client" "mountPath" "/etc/lungflow/kafka-client" "readOnly" true) -}}
{{- end -}}
{{- end -}}
{{- if $v.kafka.sasl.mechanism -}}
{{- if $v.kafka.strimzi.enabled -}}
{{- $user := printf "%s-%s" (include "lungflow.kafkaCluster" .root) .service -}}
{{- $env = append $env (dict "name" "KAFKA_SASL_USERNAME" "value" $user) -}}
{{- $env = append $env (dict "name" "KAFKA_SASL_PASSWORD" "valueFrom" (dict "secretKeyRef" (dict "name" $user "key" "password"))) -}}
{{- else -}}
{{- $env = append $env (dict "name" "KAFKA_SASL_USERNAME" "value" $v.kafka.sasl.username) -}}
{{- $env = append $env (dict "name" "KAFKA_SASL_PASSWORD" "valueFrom" (dict "secretKeyRef" (dict "name" $v.kafka.sasl.passwordSecret "key" $v.kafka.sasl.passwordKey))) -}}
{{- end -}}
{{- end -}}
{{- with include "lungflow.redisSecretName" .root -}}
{{- $env = append $env (dict "name" "REDIS_PASSWORD" "valueFrom" (dict "secretKeyRef" (dict "name" . "key" "REDIS_PASSWORD"))) -}}
{{- end -}}
{{- with $v.redis.tls.caSecret -}}
{{- $volumes = append $volumes (dict "name" "redis-ca" "secret" (dict "secretName" . "items" (list (dict "key" $v.redis.tls.caKey "path" "ca.crt")))) -}}
{{- $mounts = append $mounts (dict "name" "redis-ca" "mountPath" "/etc/lungflow/redis-ca" "readOnly" true) -}}
{{- end -}}
{{- toYaml (dict "env" $env "volumes" $volumes "volumeMounts" $mounts) -}}
{{- end -}}

{{/*
The checks a values file cannot express in values.schema.json; each fails the render with the setting to fix.
Included once, from configmaps.yaml.
*/}}
{{- define "lungflow.checkBackends" -}}
{{- $v := .Values -}}
{{- $problems := list -}}
{{- if $v.kafka.strimzi.enabled -}}
{{- if and $v.kafka.sasl.mechanism (ne $v.kafka.sasl.mechanism "scram-sha-512") -}}
{{- $problems = append $problems (printf "kafka.sasl.mechanism %s: the chart's Strimzi listener offers scram-sha-512" $v.kafka.sasl.mechanism) -}}
{{- end -}}
{{- if or $v.kafka.tls.clientSecret $v.kafka.sasl.username $v.kafka.sasl.passwordSecret -}}
{{- $problems = append $problems "kafka.tls.clientSecret, kafka.sasl.username and kafka.sasl.passwordSecret are for an external cluster: with kafka.strimzi.enabled each service is its own KafkaUser" -}}
{{- end -}}
{{- else if $v.kafka.sasl.mechanism -}}
{{- if not (and $v.kafka.sasl.username $v.kafka.sasl.passwordSecret) -}}
{{- $problems = append $problems (printf "kafka.sasl.mechanism %s needs kafka.sasl.username and kafka.sasl.passwordSecret" $v.kafka.sasl.mechanism) -}}
{{- end -}}
{{- end -}}
{{- if $v.kafka.authorization.enabled -}}
{{- if not $v.kafka.strimzi.enabled -}}
{{- $problems = append $problems "kafka.authorization.enabled is for the chart's Strimzi cluster: an external cluster's ACLs are set by its operator (README: Kafka ACLs)" -}}
{{- else if not $v.kafka.sasl.mechanism -}}
{{- $problems = append $problems "kafka.authorization.enabled needs kafka.sasl.mechanism scram-sha-512: the ACLs name each service's KafkaUser" -}}
{{- end -}}
{{- end -}}
{{- if and (eq $v.kafka.sasl.mechanism "plain") (not $v.kafka.tls.enabled) -}}
{{- $problems = append $problems "kafka.sasl.mechanism plain sends the password in clear: set kafka.tls.enabled" -}}
{{- end -}}
{{- if and $v.kafka.tls.clientSecret (not $v.kafka.tls.enabled) -}}
{{- $problems = append $problems "kafka.tls.clientSecret is set but kafka.tls.enabled is false" -}}
{{- end -}}
{{- if and $v.redis.auth.enabled (not $v.redis.enabled) (not $v.redis.auth.existingSecret) (not $v.redis.auth.password) -}}
{{- $problems = append $problems "redis.auth: give the password of your Redis (redis.auth.existingSecret or redis.auth.password), or set redis.auth.enabled=false" -}}
{{- end -}}
{{- if and $v.redis.tls.caSecret (or $v.redis.enabled (not (hasPrefix "rediss://" $v.redis.url))) -}}
{{- $problems = append $problems "redis.tls.caSecret is for your own Redis at a rediss:// redis.url" -}}
{{- end -}}
{{- if $v.requireSecureBackends -}}
{{- if not $v.kafka.tls.enabled -}}
{{- $problems = append $problems "requireSecureBackends: kafka.tls.enabled must be true (every Kafka client over TLS)" -}}
{{- end -}}
{{- if not (hasPrefix "scram-" $v.kafka.sasl.mechanism) -}}
{{- $problems = append $problems "requireSecureBackends: kafka.sasl.mechanism must be scram-sha-512 or scram-sha-256 (every Kafka client authenticated)" -}}
{{- end -}}
{{- if and $v.kafka.strimzi.enabled (not $v.kafka.authorization.enabled) -}}
{{- $problems = append $problems "requireSecureBackends: kafka.authorization.enabled must be true (each service may use only its own topics and groups)" -}}
{{- end -}}
{{- if not $v.redis.auth.enabled -}}
{{- $problems = append $problems "requireSecureBackends: redis.auth.enabled must be true (Redis asks for a password)" -}}
{{- end -}}
{{- end -}}
{{- with $problems -}}
{{- fail (printf "\n  - %s" (join "\n  - " .)) -}}
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

{{/*
Least-privilege ACLs of one service's KafkaUser (Strimzi simple authorization), from what its code does:
libs/contracts TOPICS for the topics, the services' config defaults for the consumer groups. Read and Write imply
Describe; Describe on every lungflow. topic (metadata only: names and partitions) lets ensureTopics see that the
KafkaTopics exist instead of trying to create them. Nothing may Create, Delete or Alter a topic, nor touch the cluster.
*/}}
{{- define "lungflow.kafkaAcls" -}}
{{- $service := .service -}}
{{- $v := .root.Values -}}
{{- $topics := dict "received" "lungflow.study.received.v1" "completed" "lungflow.inference.completed.v1" "storedV1" "lungflow.report.stored.v1" "storedV2" "lungflow.report.stored.v2" "deadLetter" "lungflow.deadletter.v1" "audit" "lungflow.audit.v1" -}}
{{- $write := list -}}
{{- $read := list -}}
{{- $groups := list -}}
{{- $groupPrefixes := list -}}
{{- $describeGroups := list -}}
{{- if eq $service "ingest" -}}
{{- /* ingest publishes study.received; it has no consumer and writes no dead letters (a refusal is answered to the sender) */ -}}
{{- $write = list $topics.received -}}
{{- else if eq $service "infer" -}}
{{- $read = list $topics.received -}}
{{- $write = list $topics.completed $topics.deadLetter -}}
{{- $groups = list $v.infer.consumerGroup -}}
{{- else if eq $service "report" -}}
{{- /* report.stored.v2 is read by the result outputs and the worklist rebuild, the audit topic by the rebuild (revision counters), the dead letters by the worklist's "not analysed" list */ -}}
{{- $read = list $topics.completed $topics.storedV2 $topics.audit $topics.deadLetter -}}
{{- $write = list $topics.storedV1 $topics.storedV2 $topics.audit $topics.deadLetter -}}
{{- /* services/report config defaults: REPORT_CONSUMER_GROUP, REPORT_DEADLETTER_GROUP, REPORT_HL7/FHIR/PRIORITY_CONSUMER_GROUP */ -}}
{{- $groups = list "lungflow-report" "lungflow-report-deadletters" "lungflow-report-hl7" "lungflow-report-fhir" "lungflow-report-priority" -}}
{{- /* libs/kafka readRetained: a throw-away group per read, deleted afterwards */ -}}
{{- $groupPrefixes = list "lungflow-reader-" -}}
{{- /* the dead-letter backlog metric reads the operators' "reviewed" offsets (libs/kafka DEAD_LETTER_REVIEWED_GROUP) */ -}}
{{- $describeGroups = list "lungflow-deadletter-reviewed" -}}
{{- end }}
- resource: {type: topic, name: "lungflow.", patternType: prefix}
  operations: [Describe]
{{- range $write }}
- resource: {type: topic, name: {{ . | quote }}, patternType: literal}
  operations: [Write, Describe]
{{- end }}
{{- range $read }}
- resource: {type: topic, name: {{ . | quote }}, patternType: literal}
  operations: [Read, Describe]
{{- end }}
{{- range $groups }}
- resource: {type: group, name: {{ . | quote }}, patternType: literal}
  operations: [Read, Describe]
{{- end }}
{{- range $groupPrefixes }}
- resource: {type: group, name: {{ . | quote }}, patternType: prefix}
  operations: [Read, Describe, Delete]
{{- end }}
{{- range $describeGroups }}
- resource: {type: group, name: {{ . | quote }}, patternType: literal}
  operations: [Describe]
{{- end }}
{{- end -}}
