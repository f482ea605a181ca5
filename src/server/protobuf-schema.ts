/**
 * Our own protobuf schema for the Kubernetes kinds kubelife serves: only the messages and fields
 * a request body can carry for them, with the field numbers of the upstream go-to-protobuf
 * `generated.proto` files (k8s.io/api, k8s.io/apimachinery). Parsed by protobufjs in
 * src/server/protobuf.ts; see docs/SERVER.md "Protobuf request bodies".
 *
 * Conventions (they encode Go's JSON rules, which the wire alone does not carry):
 * - `syntax = "proto3"` is only a vehicle: the wire format is the same as Kubernetes' proto2.
 * - A scalar (or IntOrString) marked `optional` keeps its value when present, zero included: Go
 *   pointer fields (`replicas: 0`, `maxSurge: 0` are not "unset") and the few fields Go's JSON
 *   always prints (no `omitempty`, e.g. `status.replicas`, `containerStatuses[].ready`).
 * - A plain scalar (or IntOrString) is a non-pointer `omitempty` field. gogo-protobuf writes
 *   those even when they are zero (`namespace: ""`, `generation: 0`, ...), and zero means unset,
 *   so a zero is dropped, as encoding/json's `omitempty` drops it.
 * - Message fields are kept when present (present and empty -> `{}`), repeated and map fields
 *   only when non-empty.
 * - `[(inline) = true]`: a Go struct embedded with `json:",inline"`; its fields are merged into
 *   the parent object (Probe.handler, Volume.volumeSource, *.localObjectReference, ...).
 * - Time, MicroTime, Duration, Quantity, IntOrString, RawExtension and FieldsV1 have custom JSON
 *   forms; protobuf.ts converts them by type name.
 * Fields not listed here are skipped on decode (unknown fields), never an error.
 */

const RUNTIME = `
syntax = "proto3";
package k8s.io.apimachinery.pkg.runtime;
message TypeMeta { string apiVersion = 1; string kind = 2; }
message Unknown {
  TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  string contentEncoding = 3;
  string contentType = 4;
}
message RawExtension { optional bytes raw = 1; }
`;

const INTSTR = `
syntax = "proto3";
package k8s.io.apimachinery.pkg.util.intstr;
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
`;

const RESOURCE = `
syntax = "proto3";
package k8s.io.apimachinery.pkg.api.resource;
message Quantity { optional string string = 1; }
`;

const META = `
syntax = "proto3";
package k8s.io.apimachinery.pkg.apis.meta.v1;
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message MicroTime { optional int64 seconds = 1; optional int32 nanos = 2; }
message Duration { optional int64 duration = 1; }
message FieldsV1 { optional bytes Raw = 1; }
message ObjectMeta {
  string name = 1;
  string generateName = 2;
  string namespace = 3;
  string selfLink = 4;
  string uid = 5;
  string resourceVersion = 6;
  int64 generation = 7;
  Time creationTimestamp = 8;
  Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}
message OwnerReference {
  string apiVersion = 5;
  string kind = 1;
  string name = 3;
  string uid = 4;
  optional bool controller = 6;
  optional bool blockOwnerDeletion = 7;
}
message ManagedFieldsEntry {
  string manager = 1;
  string operation = 2;
  string apiVersion = 3;
  Time time = 4;
  string fieldsType = 6;
  FieldsV1 fieldsV1 = 7;
  string subresource = 8;
}
message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}
message LabelSelectorRequirement { string key = 1; string operator = 2; repeated string values = 3; }
message Condition {
  string type = 1;
  string status = 2;
  int64 observedGeneration = 3;
  Time lastTransitionTime = 4;
  string reason = 5;
  string message = 6;
}
message Preconditions { optional string uid = 1; optional string resourceVersion = 2; }
message DeleteOptions {
  optional int64 gracePeriodSeconds = 1;
  Preconditions preconditions = 2;
  optional bool orphanDependents = 3;
  optional string propagationPolicy = 4;
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6;
}
`;

const CORE = `
syntax = "proto3";
package k8s.io.api.core.v1;

// --- objects -------------------------------------------------------------------------------
message Pod { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; PodSpec spec = 2; PodStatus status = 3; }
message Node { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; NodeSpec spec = 2; NodeStatus status = 3; }
message Namespace { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; NamespaceSpec spec = 2; NamespaceStatus status = 3; }
message Service { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; ServiceSpec spec = 2; ServiceStatus status = 3; }
message Endpoints { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated EndpointSubset subsets = 2; }
message ConfigMap {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional bool immutable = 4;
  map<string, string> data = 2;
  map<string, bytes> binaryData = 3;
}
message Secret {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional bool immutable = 5;
  map<string, bytes> data = 2;
  map<string, string> stringData = 4;
  string type = 3;
}
message ServiceAccount {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated ObjectReference secrets = 2;
  repeated LocalObjectReference imagePullSecrets = 3;
  optional bool automountServiceAccountToken = 4;
}
message Binding { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; ObjectReference target = 2; }
message Event {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  ObjectReference involvedObject = 2;
  string reason = 3;
  string message = 4;
  EventSource source = 5;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time firstTimestamp = 6;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTimestamp = 7;
  int32 count = 8;
  string type = 9;
  .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime eventTime = 10;
  EventSeries series = 11;
  string action = 12;
  ObjectReference related = 13;
  string reportingComponent = 14;
  string reportingInstance = 15;
}
message EventSeries { int32 count = 1; .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime lastObservedTime = 2; }
message EventSource { string component = 1; string host = 2; }

// --- references ----------------------------------------------------------------------------
message ObjectReference {
  string kind = 1;
  string namespace = 2;
  string name = 3;
  string uid = 4;
  string apiVersion = 5;
  string resourceVersion = 6;
  string fieldPath = 7;
}
message LocalObjectReference { string name = 1; }
message TypedLocalObjectReference { optional string apiGroup = 1; string kind = 2; string name = 3; }
message TypedObjectReference { optional string apiGroup = 1; string kind = 2; string name = 3; optional string namespace = 4; }

// --- pods ----------------------------------------------------------------------------------
message PodTemplateSpec { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; PodSpec spec = 2; }
message PodSpec {
  repeated Volume volumes = 1;
  repeated Container initContainers = 20;
  repeated Container containers = 2;
  repeated EphemeralContainer ephemeralContainers = 34;
  string restartPolicy = 3;
  optional int64 terminationGracePeriodSeconds = 4;
  optional int64 activeDeadlineSeconds = 5;
  string dnsPolicy = 6;
  map<string, string> nodeSelector = 7;
  string serviceAccountName = 8;
  string serviceAccount = 9;
  optional bool automountServiceAccountToken = 21;
  string nodeName = 10;
  bool hostNetwork = 11;
  bool hostPID = 12;
  bool hostIPC = 13;
  optional bool shareProcessNamespace = 27;
  PodSecurityContext securityContext = 14;
  repeated LocalObjectReference imagePullSecrets = 15;
  string hostname = 16;
  string subdomain = 17;
  Affinity affinity = 18;
  string schedulerName = 19;
  repeated Toleration tolerations = 22;
  repeated HostAlias hostAliases = 23;
  string priorityClassName = 24;
  optional int32 priority = 25;
  PodDNSConfig dnsConfig = 26;
  repeated PodReadinessGate readinessGates = 28;
  optional string runtimeClassName = 29;
  optional bool enableServiceLinks = 30;
  optional string preemptionPolicy = 31;
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> overhead = 32;
  repeated TopologySpreadConstraint topologySpreadConstraints = 33;
  optional bool setHostnameAsFQDN = 35;
  PodOS os = 36;
  optional bool hostUsers = 37;
  repeated PodSchedulingGate schedulingGates = 38;
  repeated PodResourceClaim resourceClaims = 39;
  ResourceRequirements resources = 40;
  optional string hostnameOverride = 41;
}
message Container {
  string name = 1;
  string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvFromSource envFrom = 19;
  repeated EnvVar env = 7;
  ResourceRequirements resources = 8;
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24;
  repeated VolumeMount volumeMounts = 9;
  repeated VolumeDevice volumeDevices = 21;
  Probe livenessProbe = 10;
  Probe readinessProbe = 11;
  Probe startupProbe = 22;
  Lifecycle lifecycle = 12;
  string terminationMessagePath = 13;
  string terminationMessagePolicy = 20;
  string imagePullPolicy = 14;
  SecurityContext securityContext = 15;
  bool stdin = 16;
  bool stdinOnce = 17;
  bool tty = 18;
}
message EphemeralContainer {
  EphemeralContainerCommon ephemeralContainerCommon = 1 [(inline) = true];
  string targetContainerName = 2;
}
message EphemeralContainerCommon {
  string name = 1;
  string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvFromSource envFrom = 19;
  repeated EnvVar env = 7;
  ResourceRequirements resources = 8;
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24;
  repeated VolumeMount volumeMounts = 9;
  repeated VolumeDevice volumeDevices = 21;
  Probe livenessProbe = 10;
  Probe readinessProbe = 11;
  Probe startupProbe = 22;
  Lifecycle lifecycle = 12;
  string terminationMessagePath = 13;
  string terminationMessagePolicy = 20;
  string imagePullPolicy = 14;
  SecurityContext securityContext = 15;
  bool stdin = 16;
  bool stdinOnce = 17;
  bool tty = 18;
}
message ContainerPort { string name = 1; int32 hostPort = 2; optional int32 containerPort = 3; string protocol = 4; string hostIP = 5; }
message ContainerResizePolicy { string resourceName = 1; string restartPolicy = 2; }
message EnvVar { string name = 1; string value = 2; EnvVarSource valueFrom = 3; }
message EnvVarSource {
  ObjectFieldSelector fieldRef = 1;
  ResourceFieldSelector resourceFieldRef = 2;
  ConfigMapKeySelector configMapKeyRef = 3;
  SecretKeySelector secretKeyRef = 4;
}
message EnvFromSource { string prefix = 1; ConfigMapEnvSource configMapRef = 2; SecretEnvSource secretRef = 3; }
message ConfigMapEnvSource { LocalObjectReference localObjectReference = 1 [(inline) = true]; optional bool optional = 2; }
message SecretEnvSource { LocalObjectReference localObjectReference = 1 [(inline) = true]; optional bool optional = 2; }
message ConfigMapKeySelector { LocalObjectReference localObjectReference = 1 [(inline) = true]; string key = 2; optional bool optional = 3; }
message SecretKeySelector { LocalObjectReference localObjectReference = 1 [(inline) = true]; string key = 2; optional bool optional = 3; }
message ObjectFieldSelector { string apiVersion = 1; string fieldPath = 2; }
message ResourceFieldSelector { string containerName = 1; string resource = 2; .k8s.io.apimachinery.pkg.api.resource.Quantity divisor = 3; }
message ResourceRequirements {
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> limits = 1;
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> requests = 2;
  repeated ResourceClaim claims = 3;
}
message ResourceClaim { string name = 1; string request = 2; }
message VolumeMount {
  string name = 1;
  bool readOnly = 2;
  optional string recursiveReadOnly = 7;
  string mountPath = 3;
  string subPath = 4;
  optional string mountPropagation = 5;
  string subPathExpr = 6;
}
message VolumeDevice { string name = 1; string devicePath = 2; }
message Probe {
  ProbeHandler handler = 1 [(inline) = true];
  int32 initialDelaySeconds = 2;
  int32 timeoutSeconds = 3;
  int32 periodSeconds = 4;
  int32 successThreshold = 5;
  int32 failureThreshold = 6;
  optional int64 terminationGracePeriodSeconds = 7;
}
message ProbeHandler { ExecAction exec = 1; HTTPGetAction httpGet = 2; TCPSocketAction tcpSocket = 3; GRPCAction grpc = 4; }
message Lifecycle { LifecycleHandler postStart = 1; LifecycleHandler preStop = 2; optional string stopSignal = 3; }
message LifecycleHandler { ExecAction exec = 1; HTTPGetAction httpGet = 2; TCPSocketAction tcpSocket = 3; SleepAction sleep = 4; }
message ExecAction { repeated string command = 1; }
message HTTPGetAction {
  string path = 1;
  .k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 2;
  string host = 3;
  string scheme = 4;
  repeated HTTPHeader httpHeaders = 5;
}
message HTTPHeader { string name = 1; string value = 2; }
message TCPSocketAction { .k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 1; string host = 2; }
message GRPCAction { optional int32 port = 1; optional string service = 2; }
message SleepAction { optional int64 seconds = 1; }
message SecurityContext {
  Capabilities capabilities = 1;
  optional bool privileged = 2;
  SELinuxOptions seLinuxOptions = 3;
  WindowsSecurityContextOptions windowsOptions = 10;
  optional int64 runAsUser = 4;
  optional int64 runAsGroup = 8;
  optional bool runAsNonRoot = 5;
  optional bool readOnlyRootFilesystem = 6;
  optional bool allowPrivilegeEscalation = 7;
  optional string procMount = 9;
  SeccompProfile seccompProfile = 11;
  AppArmorProfile appArmorProfile = 12;
}
message PodSecurityContext {
  SELinuxOptions seLinuxOptions = 1;
  WindowsSecurityContextOptions windowsOptions = 8;
  optional int64 runAsUser = 2;
  optional int64 runAsGroup = 6;
  optional bool runAsNonRoot = 3;
  repeated int64 supplementalGroups = 4;
  optional string supplementalGroupsPolicy = 12;
  optional int64 fsGroup = 5;
  repeated Sysctl sysctls = 7;
  optional string fsGroupChangePolicy = 9;
  SeccompProfile seccompProfile = 10;
  AppArmorProfile appArmorProfile = 11;
  optional string seLinuxChangePolicy = 13;
}
message Capabilities { repeated string add = 1; repeated string drop = 2; }
message SELinuxOptions { string user = 1; string role = 2; string type = 3; string level = 4; }
message WindowsSecurityContextOptions {
  optional string gmsaCredentialSpecName = 1;
  optional string gmsaCredentialSpec = 2;
  optional string runAsUserName = 3;
  optional bool hostProcess = 4;
}
message SeccompProfile { string type = 1; optional string localhostProfile = 2; }
message AppArmorProfile { string type = 1; optional string localhostProfile = 2; }
message Sysctl { string name = 1; string value = 2; }
message Affinity { NodeAffinity nodeAffinity = 1; PodAffinity podAffinity = 2; PodAntiAffinity podAntiAffinity = 3; }
message NodeAffinity {
  NodeSelector requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated PreferredSchedulingTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message NodeSelector { repeated NodeSelectorTerm nodeSelectorTerms = 1; }
message NodeSelectorTerm { repeated NodeSelectorRequirement matchExpressions = 1; repeated NodeSelectorRequirement matchFields = 2; }
message NodeSelectorRequirement { string key = 1; string operator = 2; repeated string values = 3; }
message PreferredSchedulingTerm { optional int32 weight = 1; NodeSelectorTerm preference = 2; }
message PodAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message PodAntiAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}
message PodAffinityTerm {
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 1;
  repeated string namespaces = 2;
  string topologyKey = 3;
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector namespaceSelector = 4;
  repeated string matchLabelKeys = 5;
  repeated string mismatchLabelKeys = 6;
}
message WeightedPodAffinityTerm { optional int32 weight = 1; PodAffinityTerm podAffinityTerm = 2; }
message Toleration { string key = 1; string operator = 2; string value = 3; string effect = 4; optional int64 tolerationSeconds = 5; }
message HostAlias { string ip = 1; repeated string hostnames = 2; }
message PodDNSConfig { repeated string nameservers = 1; repeated string searches = 2; repeated PodDNSConfigOption options = 3; }
message PodDNSConfigOption { string name = 1; optional string value = 2; }
message PodReadinessGate { string conditionType = 1; }
message PodOS { string name = 1; }
message PodSchedulingGate { string name = 1; }
message PodResourceClaim { string name = 1; optional string resourceClaimName = 3; optional string resourceClaimTemplateName = 4; }
message TopologySpreadConstraint {
  optional int32 maxSkew = 1;
  string topologyKey = 2;
  string whenUnsatisfiable = 3;
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 4;
  optional int32 minDomains = 5;
  optional string nodeAffinityPolicy = 6;
  optional string nodeTaintsPolicy = 7;
  repeated string matchLabelKeys = 8;
}

// --- volumes (the deprecated in-tree cloud/storage drivers are not listed) -------------------
message Volume { string name = 1; VolumeSource volumeSource = 2 [(inline) = true]; }
message VolumeSource {
  HostPathVolumeSource hostPath = 1;
  EmptyDirVolumeSource emptyDir = 2;
  GCEPersistentDiskVolumeSource gcePersistentDisk = 3;
  AWSElasticBlockStoreVolumeSource awsElasticBlockStore = 4;
  GitRepoVolumeSource gitRepo = 5;
  SecretVolumeSource secret = 6;
  NFSVolumeSource nfs = 7;
  ISCSIVolumeSource iscsi = 8;
  PersistentVolumeClaimVolumeSource persistentVolumeClaim = 10;
  DownwardAPIVolumeSource downwardAPI = 16;
  FCVolumeSource fc = 17;
  ConfigMapVolumeSource configMap = 19;
  ProjectedVolumeSource projected = 26;
  CSIVolumeSource csi = 28;
  EphemeralVolumeSource ephemeral = 29;
  ImageVolumeSource image = 30;
}
message HostPathVolumeSource { string path = 1; optional string type = 2; }
message EmptyDirVolumeSource { string medium = 1; .k8s.io.apimachinery.pkg.api.resource.Quantity sizeLimit = 2; }
message GCEPersistentDiskVolumeSource { string pdName = 1; string fsType = 2; int32 partition = 3; bool readOnly = 4; }
message AWSElasticBlockStoreVolumeSource { string volumeID = 1; string fsType = 2; int32 partition = 3; bool readOnly = 4; }
message GitRepoVolumeSource { string repository = 1; string revision = 2; string directory = 3; }
message SecretVolumeSource { string secretName = 1; repeated KeyToPath items = 2; optional int32 defaultMode = 3; optional bool optional = 4; }
message NFSVolumeSource { string server = 1; string path = 2; bool readOnly = 3; }
message ISCSIVolumeSource {
  string targetPortal = 1;
  string iqn = 2;
  int32 lun = 3;
  string iscsiInterface = 4;
  string fsType = 5;
  bool readOnly = 6;
  repeated string portals = 7;
  bool chapAuthDiscovery = 8;
  bool chapAuthSession = 11;
  LocalObjectReference secretRef = 10;
  optional string initiatorName = 12;
}
message PersistentVolumeClaimVolumeSource { string claimName = 1; bool readOnly = 2; }
message DownwardAPIVolumeSource { repeated DownwardAPIVolumeFile items = 1; optional int32 defaultMode = 2; }
message DownwardAPIVolumeFile { string path = 1; ObjectFieldSelector fieldRef = 2; ResourceFieldSelector resourceFieldRef = 3; optional int32 mode = 4; }
message FCVolumeSource { repeated string targetWWNs = 1; optional int32 lun = 2; string fsType = 3; bool readOnly = 4; repeated string wwids = 5; }
message ConfigMapVolumeSource {
  LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3;
  optional bool optional = 4;
}
message KeyToPath { string key = 1; string path = 2; optional int32 mode = 3; }
message ProjectedVolumeSource { repeated VolumeProjection sources = 1; optional int32 defaultMode = 2; }
message VolumeProjection {
  SecretProjection secret = 1;
  DownwardAPIProjection downwardAPI = 2;
  ConfigMapProjection configMap = 3;
  ServiceAccountTokenProjection serviceAccountToken = 4;
  ClusterTrustBundleProjection clusterTrustBundle = 5;
}
message SecretProjection { LocalObjectReference localObjectReference = 1 [(inline) = true]; repeated KeyToPath items = 2; optional bool optional = 4; }
message ConfigMapProjection { LocalObjectReference localObjectReference = 1 [(inline) = true]; repeated KeyToPath items = 2; optional bool optional = 4; }
message DownwardAPIProjection { repeated DownwardAPIVolumeFile items = 1; }
message ServiceAccountTokenProjection { string audience = 1; optional int64 expirationSeconds = 2; string path = 3; }
message ClusterTrustBundleProjection {
  optional string name = 1;
  optional string signerName = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 3;
  optional bool optional = 5;
  string path = 4;
}
message CSIVolumeSource {
  string driver = 1;
  optional bool readOnly = 2;
  optional string fsType = 3;
  map<string, string> volumeAttributes = 4;
  LocalObjectReference nodePublishSecretRef = 5;
}
message EphemeralVolumeSource { PersistentVolumeClaimTemplate volumeClaimTemplate = 1; }
message PersistentVolumeClaimTemplate { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; PersistentVolumeClaimSpec spec = 2; }
message PersistentVolumeClaimSpec {
  repeated string accessModes = 1;
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 4;
  VolumeResourceRequirements resources = 2;
  string volumeName = 3;
  optional string storageClassName = 5;
  optional string volumeMode = 6;
  TypedLocalObjectReference dataSource = 7;
  TypedObjectReference dataSourceRef = 8;
  optional string volumeAttributesClassName = 9;
}
message VolumeResourceRequirements {
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> limits = 1;
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> requests = 2;
}
message ImageVolumeSource { string reference = 1; string pullPolicy = 2; }

// --- pod status ----------------------------------------------------------------------------
message PodStatus {
  int64 observedGeneration = 17;
  string phase = 1;
  repeated PodCondition conditions = 2;
  string message = 3;
  string reason = 4;
  string nominatedNodeName = 11;
  string hostIP = 5;
  repeated HostIP hostIPs = 16;
  string podIP = 6;
  repeated PodIP podIPs = 12;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time startTime = 7;
  repeated ContainerStatus initContainerStatuses = 10;
  repeated ContainerStatus containerStatuses = 8;
  string qosClass = 9;
  repeated ContainerStatus ephemeralContainerStatuses = 13;
  string resize = 14;
  repeated PodResourceClaimStatus resourceClaimStatuses = 15;
}
message PodCondition {
  string type = 1;
  int64 observedGeneration = 7;
  string status = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastProbeTime = 3;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  string reason = 5;
  string message = 6;
}
message HostIP { string ip = 1; }
message PodIP { string ip = 1; }
message PodResourceClaimStatus { string name = 1; optional string resourceClaimName = 2; }
message ContainerStatus {
  string name = 1;
  ContainerState state = 2;
  ContainerState lastState = 3;
  optional bool ready = 4;
  optional int32 restartCount = 5;
  string image = 6;
  string imageID = 7;
  string containerID = 8;
  optional bool started = 9;
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> allocatedResources = 10;
  ResourceRequirements resources = 11;
  repeated VolumeMountStatus volumeMounts = 12;
  ContainerUser user = 13;
  optional string stopSignal = 15;
}
message ContainerState { ContainerStateWaiting waiting = 1; ContainerStateRunning running = 2; ContainerStateTerminated terminated = 3; }
message ContainerStateWaiting { string reason = 1; string message = 2; }
message ContainerStateRunning { .k8s.io.apimachinery.pkg.apis.meta.v1.Time startedAt = 1; }
message ContainerStateTerminated {
  optional int32 exitCode = 1;
  int32 signal = 2;
  string reason = 3;
  string message = 4;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time startedAt = 5;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time finishedAt = 6;
  string containerID = 7;
}
message VolumeMountStatus { string name = 1; string mountPath = 2; bool readOnly = 3; optional string recursiveReadOnly = 4; }
message ContainerUser { LinuxContainerUser linux = 1; }
message LinuxContainerUser { optional int64 uid = 1; optional int64 gid = 2; repeated int64 supplementalGroups = 3; }

// --- nodes ---------------------------------------------------------------------------------
message NodeSpec {
  string podCIDR = 1;
  repeated string podCIDRs = 7;
  string providerID = 3;
  bool unschedulable = 4;
  repeated Taint taints = 5;
  string externalID = 2;
}
message Taint { string key = 1; string value = 2; string effect = 3; .k8s.io.apimachinery.pkg.apis.meta.v1.Time timeAdded = 4; }
message NodeStatus {
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> capacity = 1;
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> allocatable = 2;
  string phase = 3;
  repeated NodeCondition conditions = 4;
  repeated NodeAddress addresses = 5;
  NodeDaemonEndpoints daemonEndpoints = 6;
  NodeSystemInfo nodeInfo = 7;
  repeated ContainerImage images = 8;
  repeated string volumesInUse = 9;
  repeated AttachedVolume volumesAttached = 10;
  repeated NodeRuntimeHandler runtimeHandlers = 12;
  NodeFeatures features = 13;
}
message NodeCondition {
  string type = 1;
  string status = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastHeartbeatTime = 3;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  string reason = 5;
  string message = 6;
}
message NodeAddress { string type = 1; string address = 2; }
message NodeDaemonEndpoints { DaemonEndpoint kubeletEndpoint = 1; }
message DaemonEndpoint { optional int32 Port = 1; }
message NodeSystemInfo {
  string machineID = 1;
  string systemUUID = 2;
  string bootID = 3;
  string kernelVersion = 4;
  string osImage = 5;
  string containerRuntimeVersion = 6;
  string kubeletVersion = 7;
  string kubeProxyVersion = 8;
  string operatingSystem = 9;
  string architecture = 10;
  NodeSwapStatus swap = 11;
}
message NodeSwapStatus { optional int64 capacity = 1; }
message ContainerImage { repeated string names = 1; int64 sizeBytes = 2; }
message AttachedVolume { string name = 1; string devicePath = 2; }
message NodeRuntimeHandler { string name = 1; NodeRuntimeHandlerFeatures features = 2; }
message NodeRuntimeHandlerFeatures { optional bool recursiveReadOnlyMounts = 1; optional bool userNamespaces = 2; }
message NodeFeatures { optional bool supplementalGroupsPolicy = 1; }

// --- namespaces, services, endpoints -------------------------------------------------------
message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceStatus { string phase = 1; repeated NamespaceCondition conditions = 2; }
message NamespaceCondition {
  string type = 1;
  string status = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  string reason = 5;
  string message = 6;
}
message ServiceSpec {
  repeated ServicePort ports = 1;
  map<string, string> selector = 2;
  string clusterIP = 3;
  repeated string clusterIPs = 18;
  string type = 4;
  repeated string externalIPs = 5;
  string sessionAffinity = 7;
  string loadBalancerIP = 8;
  repeated string loadBalancerSourceRanges = 9;
  string externalName = 10;
  string externalTrafficPolicy = 11;
  int32 healthCheckNodePort = 12;
  bool publishNotReadyAddresses = 13;
  SessionAffinityConfig sessionAffinityConfig = 14;
  repeated string ipFamilies = 19;
  optional string ipFamilyPolicy = 17;
  optional bool allocateLoadBalancerNodePorts = 20;
  optional string loadBalancerClass = 21;
  optional string internalTrafficPolicy = 22;
  optional string trafficDistribution = 23;
}
message ServicePort {
  string name = 1;
  string protocol = 2;
  optional string appProtocol = 6;
  optional int32 port = 3;
  .k8s.io.apimachinery.pkg.util.intstr.IntOrString targetPort = 4;
  int32 nodePort = 5;
}
message SessionAffinityConfig { ClientIPConfig clientIP = 1; }
message ClientIPConfig { optional int32 timeoutSeconds = 1; }
message ServiceStatus { LoadBalancerStatus loadBalancer = 1; repeated .k8s.io.apimachinery.pkg.apis.meta.v1.Condition conditions = 2; }
message LoadBalancerStatus { repeated LoadBalancerIngress ingress = 1; }
message LoadBalancerIngress { string ip = 1; string hostname = 2; optional string ipMode = 3; repeated PortStatus ports = 4; }
message PortStatus { optional int32 port = 1; string protocol = 2; optional string error = 3; }
message EndpointSubset { repeated EndpointAddress addresses = 1; repeated EndpointAddress notReadyAddresses = 2; repeated EndpointPort ports = 3; }
message EndpointAddress { string ip = 1; string hostname = 3; optional string nodeName = 4; ObjectReference targetRef = 2; }
message EndpointPort { string name = 1; optional int32 port = 2; string protocol = 3; optional string appProtocol = 4; }
`;

const APPS = `
syntax = "proto3";
package k8s.io.api.apps.v1;
message Deployment { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; DeploymentSpec spec = 2; DeploymentStatus status = 3; }
message DeploymentSpec {
  optional int32 replicas = 1;
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  .k8s.io.api.core.v1.PodTemplateSpec template = 3;
  DeploymentStrategy strategy = 4;
  int32 minReadySeconds = 5;
  optional int32 revisionHistoryLimit = 6;
  bool paused = 7;
  optional int32 progressDeadlineSeconds = 9;
}
message DeploymentStrategy { string type = 1; RollingUpdateDeployment rollingUpdate = 2; }
message RollingUpdateDeployment {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 1;
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxSurge = 2;
}
message DeploymentStatus {
  int64 observedGeneration = 1;
  int32 replicas = 2;
  int32 updatedReplicas = 3;
  int32 readyReplicas = 7;
  int32 availableReplicas = 4;
  int32 unavailableReplicas = 5;
  optional int32 terminatingReplicas = 9;
  repeated DeploymentCondition conditions = 6;
  optional int32 collisionCount = 8;
}
message DeploymentCondition {
  string type = 1;
  string status = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastUpdateTime = 6;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 7;
  string reason = 4;
  string message = 5;
}
message ReplicaSet { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; ReplicaSetSpec spec = 2; ReplicaSetStatus status = 3; }
message ReplicaSetSpec {
  optional int32 replicas = 1;
  int32 minReadySeconds = 4;
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  .k8s.io.api.core.v1.PodTemplateSpec template = 3;
}
message ReplicaSetStatus {
  optional int32 replicas = 1;
  int32 fullyLabeledReplicas = 2;
  int32 readyReplicas = 4;
  int32 availableReplicas = 5;
  optional int32 terminatingReplicas = 7;
  int64 observedGeneration = 3;
  repeated ReplicaSetCondition conditions = 6;
}
message ReplicaSetCondition {
  string type = 1;
  string status = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  string reason = 4;
  string message = 5;
}
message DaemonSet { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; DaemonSetSpec spec = 2; DaemonSetStatus status = 3; }
message DaemonSetSpec {
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 1;
  .k8s.io.api.core.v1.PodTemplateSpec template = 2;
  DaemonSetUpdateStrategy updateStrategy = 3;
  int32 minReadySeconds = 4;
  optional int32 revisionHistoryLimit = 6;
}
message DaemonSetUpdateStrategy { string type = 1; RollingUpdateDaemonSet rollingUpdate = 2; }
message RollingUpdateDaemonSet {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 1;
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxSurge = 2;
}
message DaemonSetStatus {
  optional int32 currentNumberScheduled = 1;
  optional int32 numberMisscheduled = 2;
  optional int32 desiredNumberScheduled = 3;
  optional int32 numberReady = 4;
  int64 observedGeneration = 5;
  int32 updatedNumberScheduled = 6;
  int32 numberAvailable = 7;
  int32 numberUnavailable = 8;
  optional int32 collisionCount = 9;
  repeated DaemonSetCondition conditions = 10;
}
message DaemonSetCondition {
  string type = 1;
  string status = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  string reason = 4;
  string message = 5;
}
`;

const BATCH = `
syntax = "proto3";
package k8s.io.api.batch.v1;
message Job { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; JobSpec spec = 2; JobStatus status = 3; }
message JobSpec {
  optional int32 parallelism = 1;
  optional int32 completions = 2;
  optional int64 activeDeadlineSeconds = 3;
  PodFailurePolicy podFailurePolicy = 11;
  SuccessPolicy successPolicy = 16;
  optional int32 backoffLimit = 7;
  optional int32 backoffLimitPerIndex = 12;
  optional int32 maxFailedIndexes = 13;
  .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 4;
  optional bool manualSelector = 5;
  .k8s.io.api.core.v1.PodTemplateSpec template = 6;
  optional int32 ttlSecondsAfterFinished = 8;
  optional string completionMode = 9;
  optional bool suspend = 10;
  optional string podReplacementPolicy = 14;
  optional string managedBy = 15;
}
message PodFailurePolicy { repeated PodFailurePolicyRule rules = 1; }
message PodFailurePolicyRule {
  string action = 1;
  PodFailurePolicyOnExitCodesRequirement onExitCodes = 2;
  repeated PodFailurePolicyOnPodConditionsPattern onPodConditions = 3;
}
message PodFailurePolicyOnExitCodesRequirement { optional string containerName = 1; string operator = 2; repeated int32 values = 3; }
message PodFailurePolicyOnPodConditionsPattern { string type = 1; string status = 2; }
message SuccessPolicy { repeated SuccessPolicyRule rules = 1; }
message SuccessPolicyRule { optional string succeededIndexes = 1; optional int32 succeededCount = 2; }
message JobStatus {
  repeated JobCondition conditions = 1;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time startTime = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time completionTime = 3;
  int32 active = 4;
  int32 succeeded = 5;
  int32 failed = 6;
  optional int32 terminating = 11;
  string completedIndexes = 7;
  optional string failedIndexes = 10;
  UncountedTerminatedPods uncountedTerminatedPods = 8;
  optional int32 ready = 9;
}
message JobCondition {
  string type = 1;
  string status = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastProbeTime = 3;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  string reason = 5;
  string message = 6;
}
message UncountedTerminatedPods { repeated string succeeded = 1; repeated string failed = 2; }
`;

const RBAC = `
syntax = "proto3";
package k8s.io.api.rbac.v1;
message Role { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated PolicyRule rules = 2; }
message ClusterRole { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated PolicyRule rules = 2; AggregationRule aggregationRule = 3; }
message RoleBinding { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated Subject subjects = 2; RoleRef roleRef = 3; }
message ClusterRoleBinding { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; repeated Subject subjects = 2; RoleRef roleRef = 3; }
message AggregationRule { repeated .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector clusterRoleSelectors = 1; }
message PolicyRule {
  repeated string verbs = 1;
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
  repeated string nonResourceURLs = 5;
}
message RoleRef { optional string apiGroup = 1; string kind = 2; string name = 3; }
message Subject { string kind = 1; string apiGroup = 2; string name = 3; string namespace = 4; }
`;

const DISCOVERY = `
syntax = "proto3";
package k8s.io.api.discovery.v1;
message EndpointSlice {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  string addressType = 4;
  repeated Endpoint endpoints = 2;
  repeated EndpointPort ports = 3;
}
message Endpoint {
  repeated string addresses = 1;
  EndpointConditions conditions = 2;
  optional string hostname = 3;
  .k8s.io.api.core.v1.ObjectReference targetRef = 4;
  map<string, string> deprecatedTopology = 5;
  optional string nodeName = 6;
  optional string zone = 7;
  EndpointHints hints = 8;
}
message EndpointConditions { optional bool ready = 1; optional bool serving = 2; optional bool terminating = 3; }
message EndpointHints { repeated ForZone forZones = 1; }
message ForZone { string name = 1; }
message EndpointPort { optional string name = 1; optional string protocol = 2; optional int32 port = 3; optional string appProtocol = 4; }
`;

const COORDINATION = `
syntax = "proto3";
package k8s.io.api.coordination.v1;
message Lease { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; LeaseSpec spec = 2; }
message LeaseSpec {
  optional string holderIdentity = 1;
  optional int32 leaseDurationSeconds = 2;
  .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime acquireTime = 3;
  .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime renewTime = 4;
  optional int32 leaseTransitions = 5;
  optional string strategy = 6;
  optional string preferredHolder = 7;
}
`;

const EVENTS = `
syntax = "proto3";
package k8s.io.api.events.v1;
message Event {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime eventTime = 2;
  EventSeries series = 3;
  string reportingController = 4;
  string reportingInstance = 5;
  string action = 6;
  string reason = 7;
  .k8s.io.api.core.v1.ObjectReference regarding = 8;
  .k8s.io.api.core.v1.ObjectReference related = 9;
  string note = 10;
  string type = 11;
  .k8s.io.api.core.v1.EventSource deprecatedSource = 12;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time deprecatedFirstTimestamp = 13;
  .k8s.io.apimachinery.pkg.apis.meta.v1.Time deprecatedLastTimestamp = 14;
  int32 deprecatedCount = 15;
}
message EventSeries { optional int32 count = 1; .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime lastObservedTime = 2; }
`;

const POLICY = `
syntax = "proto3";
package k8s.io.api.policy.v1;
message Eviction {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  .k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions deleteOptions = 2;
}
`;

const AUTOSCALING = `
syntax = "proto3";
package k8s.io.api.autoscaling.v1;
message Scale { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; ScaleSpec spec = 2; ScaleStatus status = 3; }
// spec.replicas is omitempty in Go, but 0 is what "kubectl scale --replicas=0" means: kept.
message ScaleSpec { optional int32 replicas = 1; }
message ScaleStatus { optional int32 replicas = 1; string selector = 2; }
`;

// Field numbers checked against the bytes kubectl 1.32 sends for "auth can-i" and "auth whoami".
const AUTHORIZATION = `
syntax = "proto3";
package k8s.io.api.authorization.v1;
message SelfSubjectAccessReview {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  SelfSubjectAccessReviewSpec spec = 2;
  SubjectAccessReviewStatus status = 3;
}
message SelfSubjectAccessReviewSpec { ResourceAttributes resourceAttributes = 1; NonResourceAttributes nonResourceAttributes = 2; }
message SubjectAccessReview {
  .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  SubjectAccessReviewSpec spec = 2;
  SubjectAccessReviewStatus status = 3;
}
message SubjectAccessReviewSpec {
  ResourceAttributes resourceAttributes = 1;
  NonResourceAttributes nonResourceAttributes = 2;
  string user = 3;
  repeated string groups = 4;
  string uid = 6;
}
message ResourceAttributes {
  string namespace = 1; string verb = 2; string group = 3; string version = 4;
  string resource = 5; string subresource = 6; string name = 7;
}
message NonResourceAttributes { string path = 1; string verb = 2; }
message SubjectAccessReviewStatus { bool allowed = 1; string reason = 2; string evaluationError = 3; bool denied = 4; }
`;

const AUTHENTICATION = `
syntax = "proto3";
package k8s.io.api.authentication.v1;
message SelfSubjectReview { .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1; SelfSubjectReviewStatus status = 2; }
message SelfSubjectReviewStatus { UserInfo userInfo = 1; }
message UserInfo { string username = 1; string uid = 2; repeated string groups = 3; }
`;

/** The schema text, one proto file per package (protobufjs resolves the cross-package references). */
export const PROTO_SOURCES: readonly string[] = [RUNTIME, INTSTR, RESOURCE, META, CORE, APPS, BATCH, RBAC, DISCOVERY, COORDINATION, EVENTS, POLICY, AUTOSCALING, AUTHORIZATION, AUTHENTICATION];

const CORE_PKG = 'k8s.io.api.core.v1';
const META_PKG = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** apiVersion/kind -> the message a request body of that kind is encoded as. */
export const KIND_MESSAGES: Readonly<Record<string, string>> = {
  'v1/Pod': `${CORE_PKG}.Pod`,
  'v1/Node': `${CORE_PKG}.Node`,
  'v1/Namespace': `${CORE_PKG}.Namespace`,
  'v1/Service': `${CORE_PKG}.Service`,
  'v1/Endpoints': `${CORE_PKG}.Endpoints`,
  'v1/Event': `${CORE_PKG}.Event`,
  'v1/ConfigMap': `${CORE_PKG}.ConfigMap`,
  'v1/Secret': `${CORE_PKG}.Secret`,
  'v1/ServiceAccount': `${CORE_PKG}.ServiceAccount`,
  'v1/Binding': `${CORE_PKG}.Binding`,
  'discovery.k8s.io/v1/EndpointSlice': 'k8s.io.api.discovery.v1.EndpointSlice',
  'coordination.k8s.io/v1/Lease': 'k8s.io.api.coordination.v1.Lease',
  'apps/v1/ReplicaSet': 'k8s.io.api.apps.v1.ReplicaSet',
  'apps/v1/Deployment': 'k8s.io.api.apps.v1.Deployment',
  'apps/v1/DaemonSet': 'k8s.io.api.apps.v1.DaemonSet',
  'batch/v1/Job': 'k8s.io.api.batch.v1.Job',
  'rbac.authorization.k8s.io/v1/Role': 'k8s.io.api.rbac.v1.Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'k8s.io.api.rbac.v1.RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'k8s.io.api.rbac.v1.ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'k8s.io.api.rbac.v1.ClusterRoleBinding',
  'events.k8s.io/v1/Event': 'k8s.io.api.events.v1.Event',
  'policy/v1/Eviction': 'k8s.io.api.policy.v1.Eviction',
  'autoscaling/v1/Scale': 'k8s.io.api.autoscaling.v1.Scale',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'k8s.io.api.authorization.v1.SubjectAccessReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'k8s.io.api.authentication.v1.SelfSubjectReview',
};

/** DeleteOptions is registered in every group version (metav1.AddToGroupVersion). */
export const DELETE_OPTIONS_MESSAGE = `${META_PKG}.DeleteOptions`;
