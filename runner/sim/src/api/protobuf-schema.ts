/**
 * Protobuf field tables of the Kubernetes built-in types this simulator decodes
 * (typed clients such as kubectl's generators send protobuf bodies). Generated
 * from the FileDescriptorProtos that kubectl v1.32.4 embeds, for the stable
 * API groups; each entry is `number name type[ *]` joined by `|` (type is a
 * protobuf scalar code or a message name; `*` repeated; a leading `M` marks a map entry).
 * Do not edit by hand.
 */
export const PROTOBUF_SCHEMA: Record<string, string[]> = {
  'resource.Quantity': ['1 string 9'],
  'resource.QuantityValue': ['1 string 9'],
  'intstr.IntOrString': ['1 type 3|2 intVal 5|3 strVal 9'],
  'runtime.RawExtension': ['1 raw 12'],
  'runtime.TypeMeta': ['1 apiVersion 9|2 kind 9'],
  'runtime.Unknown': ['1 typeMeta runtime.TypeMeta|2 raw 12|3 contentEncoding 9|4 contentType 9'],
  'scheduling.v1.PriorityClass': [
    '1 metadata meta.v1.ObjectMeta|2 value 5|3 globalDefault 8|4 description 9|5 preemptionPolicy 9',
  ],
  'scheduling.v1.PriorityClassList': ['1 metadata meta.v1.ListMeta|2 items scheduling.v1.PriorityClass *'],
  'coordination.v1.Lease': ['1 metadata meta.v1.ObjectMeta|2 spec coordination.v1.LeaseSpec'],
  'coordination.v1.LeaseList': ['1 metadata meta.v1.ListMeta|2 items coordination.v1.Lease *'],
  'coordination.v1.LeaseSpec': [
    '1 holderIdentity 9|2 leaseDurationSeconds 5|3 acquireTime meta.v1.MicroTime|4 renewTime meta.v1.MicroTime|5 leaseTransitions 5|6 strategy 9|7 preferredHolder 9',
  ],
  'node.v1.Overhead.PodFixedEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'node.v1.Overhead': ['1 podFixed node.v1.Overhead.PodFixedEntry *'],
  'node.v1.RuntimeClass': [
    '1 metadata meta.v1.ObjectMeta|2 handler 9|3 overhead node.v1.Overhead|4 scheduling node.v1.Scheduling',
  ],
  'node.v1.RuntimeClassList': ['1 metadata meta.v1.ListMeta|2 items node.v1.RuntimeClass *'],
  'node.v1.Scheduling.NodeSelectorEntry': ['M', '1 key 9|2 value 9'],
  'node.v1.Scheduling': ['1 nodeSelector node.v1.Scheduling.NodeSelectorEntry *|2 tolerations core.v1.Toleration *'],
  'rbac.v1.AggregationRule': ['1 clusterRoleSelectors meta.v1.LabelSelector *'],
  'rbac.v1.ClusterRole': [
    '1 metadata meta.v1.ObjectMeta|2 rules rbac.v1.PolicyRule *|3 aggregationRule rbac.v1.AggregationRule',
  ],
  'rbac.v1.ClusterRoleBinding': [
    '1 metadata meta.v1.ObjectMeta|2 subjects rbac.v1.Subject *|3 roleRef rbac.v1.RoleRef',
  ],
  'rbac.v1.ClusterRoleBindingList': ['1 metadata meta.v1.ListMeta|2 items rbac.v1.ClusterRoleBinding *'],
  'rbac.v1.ClusterRoleList': ['1 metadata meta.v1.ListMeta|2 items rbac.v1.ClusterRole *'],
  'rbac.v1.PolicyRule': ['1 verbs 9 *|2 apiGroups 9 *|3 resources 9 *|4 resourceNames 9 *|5 nonResourceURLs 9 *'],
  'rbac.v1.Role': ['1 metadata meta.v1.ObjectMeta|2 rules rbac.v1.PolicyRule *'],
  'rbac.v1.RoleBinding': ['1 metadata meta.v1.ObjectMeta|2 subjects rbac.v1.Subject *|3 roleRef rbac.v1.RoleRef'],
  'rbac.v1.RoleBindingList': ['1 metadata meta.v1.ListMeta|2 items rbac.v1.RoleBinding *'],
  'rbac.v1.RoleList': ['1 metadata meta.v1.ListMeta|2 items rbac.v1.Role *'],
  'rbac.v1.RoleRef': ['1 apiGroup 9|2 kind 9|3 name 9'],
  'rbac.v1.Subject': ['1 kind 9|2 apiGroup 9|3 name 9|4 namespace 9'],
  'policy.v1.Eviction': ['1 metadata meta.v1.ObjectMeta|2 deleteOptions meta.v1.DeleteOptions'],
  'policy.v1.PodDisruptionBudget': [
    '1 metadata meta.v1.ObjectMeta|2 spec policy.v1.PodDisruptionBudgetSpec|3 status policy.v1.PodDisruptionBudgetStatus',
  ],
  'policy.v1.PodDisruptionBudgetList': ['1 metadata meta.v1.ListMeta|2 items policy.v1.PodDisruptionBudget *'],
  'policy.v1.PodDisruptionBudgetSpec': [
    '1 minAvailable intstr.IntOrString|2 selector meta.v1.LabelSelector|3 maxUnavailable intstr.IntOrString|4 unhealthyPodEvictionPolicy 9',
  ],
  'policy.v1.PodDisruptionBudgetStatus.DisruptedPodsEntry': ['M', '1 key 9|2 value meta.v1.Time'],
  'policy.v1.PodDisruptionBudgetStatus': [
    '1 observedGeneration 3|2 disruptedPods policy.v1.PodDisruptionBudgetStatus.DisruptedPodsEntry *|3 disruptionsAllowed 5|4 currentHealthy 5|5 desiredHealthy 5|6 expectedPods 5|7 conditions meta.v1.Condition *',
  ],
  'discovery.v1.Endpoint.DeprecatedTopologyEntry': ['M', '1 key 9|2 value 9'],
  'discovery.v1.Endpoint': [
    '1 addresses 9 *|2 conditions discovery.v1.EndpointConditions|3 hostname 9|4 targetRef core.v1.ObjectReference|5 deprecatedTopology discovery.v1.Endpoint.DeprecatedTopologyEntry *|6 nodeName 9|7 zone 9|8 hints discovery.v1.EndpointHints',
  ],
  'discovery.v1.EndpointConditions': ['1 ready 8|2 serving 8|3 terminating 8'],
  'discovery.v1.EndpointHints': ['1 forZones discovery.v1.ForZone *'],
  'discovery.v1.EndpointPort': ['1 name 9|2 protocol 9|3 port 5|4 appProtocol 9'],
  'discovery.v1.EndpointSlice': [
    '1 metadata meta.v1.ObjectMeta|4 addressType 9|2 endpoints discovery.v1.Endpoint *|3 ports discovery.v1.EndpointPort *',
  ],
  'discovery.v1.EndpointSliceList': ['1 metadata meta.v1.ListMeta|2 items discovery.v1.EndpointSlice *'],
  'discovery.v1.ForZone': ['1 name 9'],
  'certificates.v1.CertificateSigningRequest': [
    '1 metadata meta.v1.ObjectMeta|2 spec certificates.v1beta1.CertificateSigningRequestSpec|3 status certificates.v1beta1.CertificateSigningRequestStatus',
  ],
  'certificates.v1.CertificateSigningRequestCondition': [
    '1 type 9|6 status 9|2 reason 9|3 message 9|4 lastUpdateTime meta.v1.Time|5 lastTransitionTime meta.v1.Time',
  ],
  'certificates.v1.CertificateSigningRequestList': [
    '1 metadata meta.v1.ListMeta|2 items certificates.v1beta1.CertificateSigningRequest *',
  ],
  'certificates.v1.CertificateSigningRequestSpec.ExtraEntry': ['M', '1 key 9|2 value certificates.v1beta1.ExtraValue'],
  'certificates.v1.CertificateSigningRequestSpec': [
    '1 request 12|7 signerName 9|8 expirationSeconds 5|5 usages 9 *|2 username 9|3 uid 9|4 groups 9 *|6 extra certificates.v1beta1.CertificateSigningRequestSpec.ExtraEntry *',
  ],
  'certificates.v1.CertificateSigningRequestStatus': [
    '1 conditions certificates.v1beta1.CertificateSigningRequestCondition *|2 certificate 12',
  ],
  'certificates.v1.ExtraValue': ['1 items 9 *'],
  'authentication.v1.BoundObjectReference': ['1 kind 9|2 apiVersion 9|3 name 9|4 uID 9'],
  'authentication.v1.ExtraValue': ['1 items 9 *'],
  'authentication.v1.SelfSubjectReview': [
    '1 metadata meta.v1.ObjectMeta|2 status authentication.v1.SelfSubjectReviewStatus',
  ],
  'authentication.v1.SelfSubjectReviewStatus': ['1 userInfo authentication.v1.UserInfo'],
  'authentication.v1.TokenRequest': [
    '1 metadata meta.v1.ObjectMeta|2 spec authentication.v1.TokenRequestSpec|3 status authentication.v1.TokenRequestStatus',
  ],
  'authentication.v1.TokenRequestSpec': [
    '1 audiences 9 *|4 expirationSeconds 3|3 boundObjectRef authentication.v1.BoundObjectReference',
  ],
  'authentication.v1.TokenRequestStatus': ['1 token 9|2 expirationTimestamp meta.v1.Time'],
  'authentication.v1.TokenReview': [
    '1 metadata meta.v1.ObjectMeta|2 spec authentication.v1.TokenReviewSpec|3 status authentication.v1.TokenReviewStatus',
  ],
  'authentication.v1.TokenReviewSpec': ['1 token 9|2 audiences 9 *'],
  'authentication.v1.TokenReviewStatus': [
    '1 authenticated 8|2 user authentication.v1.UserInfo|4 audiences 9 *|3 error 9',
  ],
  'authentication.v1.UserInfo.ExtraEntry': ['M', '1 key 9|2 value authentication.v1.ExtraValue'],
  'authentication.v1.UserInfo': ['1 username 9|2 uid 9|3 groups 9 *|4 extra authentication.v1.UserInfo.ExtraEntry *'],
  'authorization.v1.ExtraValue': ['1 items 9 *'],
  'authorization.v1.FieldSelectorAttributes': ['1 rawSelector 9|2 requirements meta.v1.FieldSelectorRequirement *'],
  'authorization.v1.LabelSelectorAttributes': ['1 rawSelector 9|2 requirements meta.v1.LabelSelectorRequirement *'],
  'authorization.v1.LocalSubjectAccessReview': [
    '1 metadata meta.v1.ObjectMeta|2 spec authorization.v1.SubjectAccessReviewSpec|3 status authorization.v1.SubjectAccessReviewStatus',
  ],
  'authorization.v1.NonResourceAttributes': ['1 path 9|2 verb 9'],
  'authorization.v1.NonResourceRule': ['1 verbs 9 *|2 nonResourceURLs 9 *'],
  'authorization.v1.ResourceAttributes': [
    '1 namespace 9|2 verb 9|3 group 9|4 version 9|5 resource 9|6 subresource 9|7 name 9|8 fieldSelector authorization.v1.FieldSelectorAttributes|9 labelSelector authorization.v1.LabelSelectorAttributes',
  ],
  'authorization.v1.ResourceRule': ['1 verbs 9 *|2 apiGroups 9 *|3 resources 9 *|4 resourceNames 9 *'],
  'authorization.v1.SelfSubjectAccessReview': [
    '1 metadata meta.v1.ObjectMeta|2 spec authorization.v1.SelfSubjectAccessReviewSpec|3 status authorization.v1.SubjectAccessReviewStatus',
  ],
  'authorization.v1.SelfSubjectAccessReviewSpec': [
    '1 resourceAttributes authorization.v1.ResourceAttributes|2 nonResourceAttributes authorization.v1.NonResourceAttributes',
  ],
  'authorization.v1.SelfSubjectRulesReview': [
    '1 metadata meta.v1.ObjectMeta|2 spec authorization.v1.SelfSubjectRulesReviewSpec|3 status authorization.v1.SubjectRulesReviewStatus',
  ],
  'authorization.v1.SelfSubjectRulesReviewSpec': ['1 namespace 9'],
  'authorization.v1.SubjectAccessReview': [
    '1 metadata meta.v1.ObjectMeta|2 spec authorization.v1.SubjectAccessReviewSpec|3 status authorization.v1.SubjectAccessReviewStatus',
  ],
  'authorization.v1.SubjectAccessReviewSpec.ExtraEntry': ['M', '1 key 9|2 value authorization.v1.ExtraValue'],
  'authorization.v1.SubjectAccessReviewSpec': [
    '1 resourceAttributes authorization.v1.ResourceAttributes|2 nonResourceAttributes authorization.v1.NonResourceAttributes|3 user 9|4 groups 9 *|5 extra authorization.v1.SubjectAccessReviewSpec.ExtraEntry *|6 uid 9',
  ],
  'authorization.v1.SubjectAccessReviewStatus': ['1 allowed 8|4 denied 8|2 reason 9|3 evaluationError 9'],
  'authorization.v1.SubjectRulesReviewStatus': [
    '1 resourceRules authorization.v1.ResourceRule *|2 nonResourceRules authorization.v1.NonResourceRule *|3 incomplete 8|4 evaluationError 9',
  ],
  'autoscaling.v1.ContainerResourceMetricSource': [
    '1 name 9|2 targetAverageUtilization 5|3 targetAverageValue resource.Quantity|5 container 9',
  ],
  'autoscaling.v1.ContainerResourceMetricStatus': [
    '1 name 9|2 currentAverageUtilization 5|3 currentAverageValue resource.Quantity|4 container 9',
  ],
  'autoscaling.v1.CrossVersionObjectReference': ['1 kind 9|2 name 9|3 apiVersion 9'],
  'autoscaling.v1.ExternalMetricSource': [
    '1 metricName 9|2 metricSelector meta.v1.LabelSelector|3 targetValue resource.Quantity|4 targetAverageValue resource.Quantity',
  ],
  'autoscaling.v1.ExternalMetricStatus': [
    '1 metricName 9|2 metricSelector meta.v1.LabelSelector|3 currentValue resource.Quantity|4 currentAverageValue resource.Quantity',
  ],
  'autoscaling.v1.HorizontalPodAutoscaler': [
    '1 metadata meta.v1.ObjectMeta|2 spec autoscaling.v1.HorizontalPodAutoscalerSpec|3 status autoscaling.v1.HorizontalPodAutoscalerStatus',
  ],
  'autoscaling.v1.HorizontalPodAutoscalerCondition': [
    '1 type 9|2 status 9|3 lastTransitionTime meta.v1.Time|4 reason 9|5 message 9',
  ],
  'autoscaling.v1.HorizontalPodAutoscalerList': [
    '1 metadata meta.v1.ListMeta|2 items autoscaling.v1.HorizontalPodAutoscaler *',
  ],
  'autoscaling.v1.HorizontalPodAutoscalerSpec': [
    '1 scaleTargetRef autoscaling.v1.CrossVersionObjectReference|2 minReplicas 5|3 maxReplicas 5|4 targetCPUUtilizationPercentage 5',
  ],
  'autoscaling.v1.HorizontalPodAutoscalerStatus': [
    '1 observedGeneration 3|2 lastScaleTime meta.v1.Time|3 currentReplicas 5|4 desiredReplicas 5|5 currentCPUUtilizationPercentage 5',
  ],
  'autoscaling.v1.MetricSpec': [
    '1 type 9|2 object autoscaling.v1.ObjectMetricSource|3 pods autoscaling.v1.PodsMetricSource|4 resource autoscaling.v1.ResourceMetricSource|7 containerResource autoscaling.v1.ContainerResourceMetricSource|5 external autoscaling.v1.ExternalMetricSource',
  ],
  'autoscaling.v1.MetricStatus': [
    '1 type 9|2 object autoscaling.v1.ObjectMetricStatus|3 pods autoscaling.v1.PodsMetricStatus|4 resource autoscaling.v1.ResourceMetricStatus|7 containerResource autoscaling.v1.ContainerResourceMetricStatus|5 external autoscaling.v1.ExternalMetricStatus',
  ],
  'autoscaling.v1.ObjectMetricSource': [
    '1 target autoscaling.v1.CrossVersionObjectReference|2 metricName 9|3 targetValue resource.Quantity|4 selector meta.v1.LabelSelector|5 averageValue resource.Quantity',
  ],
  'autoscaling.v1.ObjectMetricStatus': [
    '1 target autoscaling.v1.CrossVersionObjectReference|2 metricName 9|3 currentValue resource.Quantity|4 selector meta.v1.LabelSelector|5 averageValue resource.Quantity',
  ],
  'autoscaling.v1.PodsMetricSource': [
    '1 metricName 9|2 targetAverageValue resource.Quantity|3 selector meta.v1.LabelSelector',
  ],
  'autoscaling.v1.PodsMetricStatus': [
    '1 metricName 9|2 currentAverageValue resource.Quantity|3 selector meta.v1.LabelSelector',
  ],
  'autoscaling.v1.ResourceMetricSource': [
    '1 name 9|2 targetAverageUtilization 5|3 targetAverageValue resource.Quantity',
  ],
  'autoscaling.v1.ResourceMetricStatus': [
    '1 name 9|2 currentAverageUtilization 5|3 currentAverageValue resource.Quantity',
  ],
  'autoscaling.v1.Scale': [
    '1 metadata meta.v1.ObjectMeta|2 spec autoscaling.v1.ScaleSpec|3 status autoscaling.v1.ScaleStatus',
  ],
  'autoscaling.v1.ScaleSpec': ['1 replicas 5'],
  'autoscaling.v1.ScaleStatus': ['1 replicas 5|2 selector 9'],
  'networking.v1.HTTPIngressPath': ['1 path 9|3 pathType 9|2 backend networking.v1.IngressBackend'],
  'networking.v1.HTTPIngressRuleValue': ['1 paths networking.v1.HTTPIngressPath *'],
  'networking.v1.IPBlock': ['1 cidr 9|2 except 9 *'],
  'networking.v1.Ingress': [
    '1 metadata meta.v1.ObjectMeta|2 spec networking.v1.IngressSpec|3 status networking.v1.IngressStatus',
  ],
  'networking.v1.IngressBackend': [
    '4 service networking.v1.IngressServiceBackend|3 resource core.v1.TypedLocalObjectReference',
  ],
  'networking.v1.IngressClass': ['1 metadata meta.v1.ObjectMeta|2 spec networking.v1.IngressClassSpec'],
  'networking.v1.IngressClassList': ['1 metadata meta.v1.ListMeta|2 items networking.v1.IngressClass *'],
  'networking.v1.IngressClassParametersReference': ['1 aPIGroup 9|2 kind 9|3 name 9|4 scope 9|5 namespace 9'],
  'networking.v1.IngressClassSpec': ['1 controller 9|2 parameters networking.v1.IngressClassParametersReference'],
  'networking.v1.IngressList': ['1 metadata meta.v1.ListMeta|2 items networking.v1.Ingress *'],
  'networking.v1.IngressLoadBalancerIngress': ['1 ip 9|2 hostname 9|4 ports networking.v1.IngressPortStatus *'],
  'networking.v1.IngressLoadBalancerStatus': ['1 ingress networking.v1.IngressLoadBalancerIngress *'],
  'networking.v1.IngressPortStatus': ['1 port 5|2 protocol 9|3 error 9'],
  'networking.v1.IngressRule': ['1 host 9|2 ingressRuleValue networking.v1.IngressRuleValue'],
  'networking.v1.IngressRuleValue': ['1 http networking.v1.HTTPIngressRuleValue'],
  'networking.v1.IngressServiceBackend': ['1 name 9|2 port networking.v1.ServiceBackendPort'],
  'networking.v1.IngressSpec': [
    '4 ingressClassName 9|1 defaultBackend networking.v1.IngressBackend|2 tls networking.v1.IngressTLS *|3 rules networking.v1.IngressRule *',
  ],
  'networking.v1.IngressStatus': ['1 loadBalancer networking.v1.IngressLoadBalancerStatus'],
  'networking.v1.IngressTLS': ['1 hosts 9 *|2 secretName 9'],
  'networking.v1.NetworkPolicy': ['1 metadata meta.v1.ObjectMeta|2 spec networking.v1.NetworkPolicySpec'],
  'networking.v1.NetworkPolicyEgressRule': [
    '1 ports networking.v1.NetworkPolicyPort *|2 to networking.v1.NetworkPolicyPeer *',
  ],
  'networking.v1.NetworkPolicyIngressRule': [
    '1 ports networking.v1.NetworkPolicyPort *|2 from networking.v1.NetworkPolicyPeer *',
  ],
  'networking.v1.NetworkPolicyList': ['1 metadata meta.v1.ListMeta|2 items networking.v1.NetworkPolicy *'],
  'networking.v1.NetworkPolicyPeer': [
    '1 podSelector meta.v1.LabelSelector|2 namespaceSelector meta.v1.LabelSelector|3 ipBlock networking.v1.IPBlock',
  ],
  'networking.v1.NetworkPolicyPort': ['1 protocol 9|2 port intstr.IntOrString|3 endPort 5'],
  'networking.v1.NetworkPolicySpec': [
    '1 podSelector meta.v1.LabelSelector|2 ingress networking.v1.NetworkPolicyIngressRule *|3 egress networking.v1.NetworkPolicyEgressRule *|4 policyTypes 9 *',
  ],
  'networking.v1.ServiceBackendPort': ['1 name 9|2 number 5'],
  'storage.v1.CSIDriver': ['1 metadata meta.v1.ObjectMeta|2 spec storage.v1.CSIDriverSpec'],
  'storage.v1.CSIDriverList': ['1 metadata meta.v1.ListMeta|2 items storage.v1.CSIDriver *'],
  'storage.v1.CSIDriverSpec': [
    '1 attachRequired 8|2 podInfoOnMount 8|3 volumeLifecycleModes 9 *|4 storageCapacity 8|5 fsGroupPolicy 9|6 tokenRequests storage.v1.TokenRequest *|7 requiresRepublish 8|8 seLinuxMount 8',
  ],
  'storage.v1.CSINode': ['1 metadata meta.v1.ObjectMeta|2 spec storage.v1.CSINodeSpec'],
  'storage.v1.CSINodeDriver': ['1 name 9|2 nodeID 9|3 topologyKeys 9 *|4 allocatable storage.v1.VolumeNodeResources'],
  'storage.v1.CSINodeList': ['1 metadata meta.v1.ListMeta|2 items storage.v1.CSINode *'],
  'storage.v1.CSINodeSpec': ['1 drivers storage.v1.CSINodeDriver *'],
  'storage.v1.CSIStorageCapacity': [
    '1 metadata meta.v1.ObjectMeta|2 nodeTopology meta.v1.LabelSelector|3 storageClassName 9|4 capacity resource.Quantity|5 maximumVolumeSize resource.Quantity',
  ],
  'storage.v1.CSIStorageCapacityList': ['1 metadata meta.v1.ListMeta|2 items storage.v1.CSIStorageCapacity *'],
  'storage.v1.StorageClass.ParametersEntry': ['M', '1 key 9|2 value 9'],
  'storage.v1.StorageClass': [
    '1 metadata meta.v1.ObjectMeta|2 provisioner 9|3 parameters storage.v1.StorageClass.ParametersEntry *|4 reclaimPolicy 9|5 mountOptions 9 *|6 allowVolumeExpansion 8|7 volumeBindingMode 9|8 allowedTopologies core.v1.TopologySelectorTerm *',
  ],
  'storage.v1.StorageClassList': ['1 metadata meta.v1.ListMeta|2 items storage.v1.StorageClass *'],
  'storage.v1.TokenRequest': ['1 audience 9|2 expirationSeconds 3'],
  'storage.v1.VolumeAttachment': [
    '1 metadata meta.v1.ObjectMeta|2 spec storage.v1.VolumeAttachmentSpec|3 status storage.v1.VolumeAttachmentStatus',
  ],
  'storage.v1.VolumeAttachmentList': ['1 metadata meta.v1.ListMeta|2 items storage.v1.VolumeAttachment *'],
  'storage.v1.VolumeAttachmentSource': ['1 persistentVolumeName 9|2 inlineVolumeSpec core.v1.PersistentVolumeSpec'],
  'storage.v1.VolumeAttachmentSpec': ['1 attacher 9|2 source storage.v1.VolumeAttachmentSource|3 nodeName 9'],
  'storage.v1.VolumeAttachmentStatus.AttachmentMetadataEntry': ['M', '1 key 9|2 value 9'],
  'storage.v1.VolumeAttachmentStatus': [
    '1 attached 8|2 attachmentMetadata storage.v1.VolumeAttachmentStatus.AttachmentMetadataEntry *|3 attachError storage.v1.VolumeError|4 detachError storage.v1.VolumeError',
  ],
  'storage.v1.VolumeError': ['1 time meta.v1.Time|2 message 9'],
  'storage.v1.VolumeNodeResources': ['1 count 5'],
  'autoscaling.v2.ContainerResourceMetricSource': ['1 name 9|2 target autoscaling.v2.MetricTarget|3 container 9'],
  'autoscaling.v2.ContainerResourceMetricStatus': ['1 name 9|2 current autoscaling.v2.MetricValueStatus|3 container 9'],
  'autoscaling.v2.CrossVersionObjectReference': ['1 kind 9|2 name 9|3 apiVersion 9'],
  'autoscaling.v2.ExternalMetricSource': [
    '1 metric autoscaling.v2.MetricIdentifier|2 target autoscaling.v2.MetricTarget',
  ],
  'autoscaling.v2.ExternalMetricStatus': [
    '1 metric autoscaling.v2.MetricIdentifier|2 current autoscaling.v2.MetricValueStatus',
  ],
  'autoscaling.v2.HPAScalingPolicy': ['1 type 9|2 value 5|3 periodSeconds 5'],
  'autoscaling.v2.HPAScalingRules': [
    '3 stabilizationWindowSeconds 5|1 selectPolicy 9|2 policies autoscaling.v2.HPAScalingPolicy *',
  ],
  'autoscaling.v2.HorizontalPodAutoscaler': [
    '1 metadata meta.v1.ObjectMeta|2 spec autoscaling.v2.HorizontalPodAutoscalerSpec|3 status autoscaling.v2.HorizontalPodAutoscalerStatus',
  ],
  'autoscaling.v2.HorizontalPodAutoscalerBehavior': [
    '1 scaleUp autoscaling.v2.HPAScalingRules|2 scaleDown autoscaling.v2.HPAScalingRules',
  ],
  'autoscaling.v2.HorizontalPodAutoscalerCondition': [
    '1 type 9|2 status 9|3 lastTransitionTime meta.v1.Time|4 reason 9|5 message 9',
  ],
  'autoscaling.v2.HorizontalPodAutoscalerList': [
    '1 metadata meta.v1.ListMeta|2 items autoscaling.v2.HorizontalPodAutoscaler *',
  ],
  'autoscaling.v2.HorizontalPodAutoscalerSpec': [
    '1 scaleTargetRef autoscaling.v2.CrossVersionObjectReference|2 minReplicas 5|3 maxReplicas 5|4 metrics autoscaling.v2.MetricSpec *|5 behavior autoscaling.v2.HorizontalPodAutoscalerBehavior',
  ],
  'autoscaling.v2.HorizontalPodAutoscalerStatus': [
    '1 observedGeneration 3|2 lastScaleTime meta.v1.Time|3 currentReplicas 5|4 desiredReplicas 5|5 currentMetrics autoscaling.v2.MetricStatus *|6 conditions autoscaling.v2.HorizontalPodAutoscalerCondition *',
  ],
  'autoscaling.v2.MetricIdentifier': ['1 name 9|2 selector meta.v1.LabelSelector'],
  'autoscaling.v2.MetricSpec': [
    '1 type 9|2 object autoscaling.v2.ObjectMetricSource|3 pods autoscaling.v2.PodsMetricSource|4 resource autoscaling.v2.ResourceMetricSource|7 containerResource autoscaling.v2.ContainerResourceMetricSource|5 external autoscaling.v2.ExternalMetricSource',
  ],
  'autoscaling.v2.MetricStatus': [
    '1 type 9|2 object autoscaling.v2.ObjectMetricStatus|3 pods autoscaling.v2.PodsMetricStatus|4 resource autoscaling.v2.ResourceMetricStatus|7 containerResource autoscaling.v2.ContainerResourceMetricStatus|5 external autoscaling.v2.ExternalMetricStatus',
  ],
  'autoscaling.v2.MetricTarget': [
    '1 type 9|2 value resource.Quantity|3 averageValue resource.Quantity|4 averageUtilization 5',
  ],
  'autoscaling.v2.MetricValueStatus': [
    '1 value resource.Quantity|2 averageValue resource.Quantity|3 averageUtilization 5',
  ],
  'autoscaling.v2.ObjectMetricSource': [
    '1 describedObject autoscaling.v2.CrossVersionObjectReference|2 target autoscaling.v2.MetricTarget|3 metric autoscaling.v2.MetricIdentifier',
  ],
  'autoscaling.v2.ObjectMetricStatus': [
    '1 metric autoscaling.v2.MetricIdentifier|2 current autoscaling.v2.MetricValueStatus|3 describedObject autoscaling.v2.CrossVersionObjectReference',
  ],
  'autoscaling.v2.PodsMetricSource': ['1 metric autoscaling.v2.MetricIdentifier|2 target autoscaling.v2.MetricTarget'],
  'autoscaling.v2.PodsMetricStatus': [
    '1 metric autoscaling.v2.MetricIdentifier|2 current autoscaling.v2.MetricValueStatus',
  ],
  'autoscaling.v2.ResourceMetricSource': ['1 name 9|2 target autoscaling.v2.MetricTarget'],
  'autoscaling.v2.ResourceMetricStatus': ['1 name 9|2 current autoscaling.v2.MetricValueStatus'],
  'batch.v1.CronJob': ['1 metadata meta.v1.ObjectMeta|2 spec batch.v1.CronJobSpec|3 status batch.v1.CronJobStatus'],
  'batch.v1.CronJobList': ['1 metadata meta.v1.ListMeta|2 items batch.v1.CronJob *'],
  'batch.v1.CronJobSpec': [
    '1 schedule 9|8 timeZone 9|2 startingDeadlineSeconds 3|3 concurrencyPolicy 9|4 suspend 8|5 jobTemplate batch.v1.JobTemplateSpec|6 successfulJobsHistoryLimit 5|7 failedJobsHistoryLimit 5',
  ],
  'batch.v1.CronJobStatus': [
    '1 active core.v1.ObjectReference *|4 lastScheduleTime meta.v1.Time|5 lastSuccessfulTime meta.v1.Time',
  ],
  'batch.v1.Job': ['1 metadata meta.v1.ObjectMeta|2 spec batch.v1.JobSpec|3 status batch.v1.JobStatus'],
  'batch.v1.JobCondition': [
    '1 type 9|2 status 9|3 lastProbeTime meta.v1.Time|4 lastTransitionTime meta.v1.Time|5 reason 9|6 message 9',
  ],
  'batch.v1.JobList': ['1 metadata meta.v1.ListMeta|2 items batch.v1.Job *'],
  'batch.v1.JobSpec': [
    '1 parallelism 5|2 completions 5|3 activeDeadlineSeconds 3|11 podFailurePolicy batch.v1.PodFailurePolicy|16 successPolicy batch.v1.SuccessPolicy|7 backoffLimit 5|12 backoffLimitPerIndex 5|13 maxFailedIndexes 5|4 selector meta.v1.LabelSelector|5 manualSelector 8|6 template core.v1.PodTemplateSpec|8 ttlSecondsAfterFinished 5|9 completionMode 9|10 suspend 8|14 podReplacementPolicy 9|15 managedBy 9',
  ],
  'batch.v1.JobStatus': [
    '1 conditions batch.v1.JobCondition *|2 startTime meta.v1.Time|3 completionTime meta.v1.Time|4 active 5|5 succeeded 5|6 failed 5|11 terminating 5|7 completedIndexes 9|10 failedIndexes 9|8 uncountedTerminatedPods batch.v1.UncountedTerminatedPods|9 ready 5',
  ],
  'batch.v1.JobTemplateSpec': ['1 metadata meta.v1.ObjectMeta|2 spec batch.v1.JobSpec'],
  'batch.v1.PodFailurePolicy': ['1 rules batch.v1.PodFailurePolicyRule *'],
  'batch.v1.PodFailurePolicyOnExitCodesRequirement': ['1 containerName 9|2 operator 9|3 values 5 *'],
  'batch.v1.PodFailurePolicyOnPodConditionsPattern': ['1 type 9|2 status 9'],
  'batch.v1.PodFailurePolicyRule': [
    '1 action 9|2 onExitCodes batch.v1.PodFailurePolicyOnExitCodesRequirement|3 onPodConditions batch.v1.PodFailurePolicyOnPodConditionsPattern *',
  ],
  'batch.v1.SuccessPolicy': ['1 rules batch.v1.SuccessPolicyRule *'],
  'batch.v1.SuccessPolicyRule': ['1 succeededIndexes 9|2 succeededCount 5'],
  'batch.v1.UncountedTerminatedPods': ['1 succeeded 9 *|2 failed 9 *'],
  'admissionregistration.v1.AuditAnnotation': ['1 key 9|2 valueExpression 9'],
  'admissionregistration.v1.ExpressionWarning': ['2 fieldRef 9|3 warning 9'],
  'admissionregistration.v1.MatchCondition': ['1 name 9|2 expression 9'],
  'admissionregistration.v1.MatchResources': [
    '1 namespaceSelector meta.v1.LabelSelector|2 objectSelector meta.v1.LabelSelector|3 resourceRules admissionregistration.v1.NamedRuleWithOperations *|4 excludeResourceRules admissionregistration.v1.NamedRuleWithOperations *|7 matchPolicy 9',
  ],
  'admissionregistration.v1.MutatingWebhook': [
    '1 name 9|2 clientConfig admissionregistration.v1.WebhookClientConfig|3 rules admissionregistration.v1.RuleWithOperations *|4 failurePolicy 9|9 matchPolicy 9|5 namespaceSelector meta.v1.LabelSelector|11 objectSelector meta.v1.LabelSelector|6 sideEffects 9|7 timeoutSeconds 5|8 admissionReviewVersions 9 *|10 reinvocationPolicy 9|12 matchConditions admissionregistration.v1.MatchCondition *',
  ],
  'admissionregistration.v1.MutatingWebhookConfiguration': [
    '1 metadata meta.v1.ObjectMeta|2 Webhooks admissionregistration.v1.MutatingWebhook *',
  ],
  'admissionregistration.v1.MutatingWebhookConfigurationList': [
    '1 metadata meta.v1.ListMeta|2 items admissionregistration.v1.MutatingWebhookConfiguration *',
  ],
  'admissionregistration.v1.NamedRuleWithOperations': [
    '1 resourceNames 9 *|2 ruleWithOperations admissionregistration.v1.RuleWithOperations',
  ],
  'admissionregistration.v1.ParamKind': ['1 apiVersion 9|2 kind 9'],
  'admissionregistration.v1.ParamRef': [
    '1 name 9|2 namespace 9|3 selector meta.v1.LabelSelector|4 parameterNotFoundAction 9',
  ],
  'admissionregistration.v1.Rule': ['1 apiGroups 9 *|2 apiVersions 9 *|3 resources 9 *|4 scope 9'],
  'admissionregistration.v1.RuleWithOperations': ['1 operations 9 *|2 rule admissionregistration.v1.Rule'],
  'admissionregistration.v1.ServiceReference': ['1 namespace 9|2 name 9|3 path 9|4 port 5'],
  'admissionregistration.v1.TypeChecking': ['1 expressionWarnings admissionregistration.v1.ExpressionWarning *'],
  'admissionregistration.v1.ValidatingAdmissionPolicy': [
    '1 metadata meta.v1.ObjectMeta|2 spec admissionregistration.v1.ValidatingAdmissionPolicySpec|3 status admissionregistration.v1.ValidatingAdmissionPolicyStatus',
  ],
  'admissionregistration.v1.ValidatingAdmissionPolicyBinding': [
    '1 metadata meta.v1.ObjectMeta|2 spec admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec',
  ],
  'admissionregistration.v1.ValidatingAdmissionPolicyBindingList': [
    '1 metadata meta.v1.ListMeta|2 items admissionregistration.v1.ValidatingAdmissionPolicyBinding *',
  ],
  'admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec': [
    '1 policyName 9|2 paramRef admissionregistration.v1.ParamRef|3 matchResources admissionregistration.v1.MatchResources|4 validationActions 9 *',
  ],
  'admissionregistration.v1.ValidatingAdmissionPolicyList': [
    '1 metadata meta.v1.ListMeta|2 items admissionregistration.v1.ValidatingAdmissionPolicy *',
  ],
  'admissionregistration.v1.ValidatingAdmissionPolicySpec': [
    '1 paramKind admissionregistration.v1.ParamKind|2 matchConstraints admissionregistration.v1.MatchResources|3 validations admissionregistration.v1.Validation *|4 failurePolicy 9|5 auditAnnotations admissionregistration.v1.AuditAnnotation *|6 matchConditions admissionregistration.v1.MatchCondition *|7 variables admissionregistration.v1.Variable *',
  ],
  'admissionregistration.v1.ValidatingAdmissionPolicyStatus': [
    '1 observedGeneration 3|2 typeChecking admissionregistration.v1.TypeChecking|3 conditions meta.v1.Condition *',
  ],
  'admissionregistration.v1.ValidatingWebhook': [
    '1 name 9|2 clientConfig admissionregistration.v1.WebhookClientConfig|3 rules admissionregistration.v1.RuleWithOperations *|4 failurePolicy 9|9 matchPolicy 9|5 namespaceSelector meta.v1.LabelSelector|10 objectSelector meta.v1.LabelSelector|6 sideEffects 9|7 timeoutSeconds 5|8 admissionReviewVersions 9 *|11 matchConditions admissionregistration.v1.MatchCondition *',
  ],
  'admissionregistration.v1.ValidatingWebhookConfiguration': [
    '1 metadata meta.v1.ObjectMeta|2 Webhooks admissionregistration.v1.ValidatingWebhook *',
  ],
  'admissionregistration.v1.ValidatingWebhookConfigurationList': [
    '1 metadata meta.v1.ListMeta|2 items admissionregistration.v1.ValidatingWebhookConfiguration *',
  ],
  'admissionregistration.v1.Validation': ['1 Expression 9|2 message 9|3 reason 9|4 messageExpression 9'],
  'admissionregistration.v1.Variable': ['1 Name 9|2 Expression 9'],
  'admissionregistration.v1.WebhookClientConfig': [
    '3 url 9|1 service admissionregistration.v1.ServiceReference|2 caBundle 12',
  ],
  'apps.v1.ControllerRevision': ['1 metadata meta.v1.ObjectMeta|2 data runtime.RawExtension|3 revision 3'],
  'apps.v1.ControllerRevisionList': ['1 metadata meta.v1.ListMeta|2 items apps.v1.ControllerRevision *'],
  'apps.v1.DaemonSet': ['1 metadata meta.v1.ObjectMeta|2 spec apps.v1.DaemonSetSpec|3 status apps.v1.DaemonSetStatus'],
  'apps.v1.DaemonSetCondition': ['1 type 9|2 status 9|3 lastTransitionTime meta.v1.Time|4 reason 9|5 message 9'],
  'apps.v1.DaemonSetList': ['1 metadata meta.v1.ListMeta|2 items apps.v1.DaemonSet *'],
  'apps.v1.DaemonSetSpec': [
    '1 selector meta.v1.LabelSelector|2 template core.v1.PodTemplateSpec|3 updateStrategy apps.v1.DaemonSetUpdateStrategy|4 minReadySeconds 5|6 revisionHistoryLimit 5',
  ],
  'apps.v1.DaemonSetStatus': [
    '1 currentNumberScheduled 5|2 numberMisscheduled 5|3 desiredNumberScheduled 5|4 numberReady 5|5 observedGeneration 3|6 updatedNumberScheduled 5|7 numberAvailable 5|8 numberUnavailable 5|9 collisionCount 5|10 conditions apps.v1.DaemonSetCondition *',
  ],
  'apps.v1.DaemonSetUpdateStrategy': ['1 type 9|2 rollingUpdate apps.v1.RollingUpdateDaemonSet'],
  'apps.v1.Deployment': [
    '1 metadata meta.v1.ObjectMeta|2 spec apps.v1.DeploymentSpec|3 status apps.v1.DeploymentStatus',
  ],
  'apps.v1.DeploymentCondition': [
    '1 type 9|2 status 9|6 lastUpdateTime meta.v1.Time|7 lastTransitionTime meta.v1.Time|4 reason 9|5 message 9',
  ],
  'apps.v1.DeploymentList': ['1 metadata meta.v1.ListMeta|2 items apps.v1.Deployment *'],
  'apps.v1.DeploymentSpec': [
    '1 replicas 5|2 selector meta.v1.LabelSelector|3 template core.v1.PodTemplateSpec|4 strategy apps.v1.DeploymentStrategy|5 minReadySeconds 5|6 revisionHistoryLimit 5|7 paused 8|9 progressDeadlineSeconds 5',
  ],
  'apps.v1.DeploymentStatus': [
    '1 observedGeneration 3|2 replicas 5|3 updatedReplicas 5|7 readyReplicas 5|4 availableReplicas 5|5 unavailableReplicas 5|6 conditions apps.v1.DeploymentCondition *|8 collisionCount 5',
  ],
  'apps.v1.DeploymentStrategy': ['1 type 9|2 rollingUpdate apps.v1.RollingUpdateDeployment'],
  'apps.v1.ReplicaSet': [
    '1 metadata meta.v1.ObjectMeta|2 spec apps.v1.ReplicaSetSpec|3 status apps.v1.ReplicaSetStatus',
  ],
  'apps.v1.ReplicaSetCondition': ['1 type 9|2 status 9|3 lastTransitionTime meta.v1.Time|4 reason 9|5 message 9'],
  'apps.v1.ReplicaSetList': ['1 metadata meta.v1.ListMeta|2 items apps.v1.ReplicaSet *'],
  'apps.v1.ReplicaSetSpec': [
    '1 replicas 5|4 minReadySeconds 5|2 selector meta.v1.LabelSelector|3 template core.v1.PodTemplateSpec',
  ],
  'apps.v1.ReplicaSetStatus': [
    '1 replicas 5|2 fullyLabeledReplicas 5|4 readyReplicas 5|5 availableReplicas 5|3 observedGeneration 3|6 conditions apps.v1.ReplicaSetCondition *',
  ],
  'apps.v1.RollingUpdateDaemonSet': ['1 maxUnavailable intstr.IntOrString|2 maxSurge intstr.IntOrString'],
  'apps.v1.RollingUpdateDeployment': ['1 maxUnavailable intstr.IntOrString|2 maxSurge intstr.IntOrString'],
  'apps.v1.RollingUpdateStatefulSetStrategy': ['1 partition 5|2 maxUnavailable intstr.IntOrString'],
  'apps.v1.StatefulSet': [
    '1 metadata meta.v1.ObjectMeta|2 spec apps.v1.StatefulSetSpec|3 status apps.v1.StatefulSetStatus',
  ],
  'apps.v1.StatefulSetCondition': ['1 type 9|2 status 9|3 lastTransitionTime meta.v1.Time|4 reason 9|5 message 9'],
  'apps.v1.StatefulSetList': ['1 metadata meta.v1.ListMeta|2 items apps.v1.StatefulSet *'],
  'apps.v1.StatefulSetOrdinals': ['1 start 5'],
  'apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy': ['1 whenDeleted 9|2 whenScaled 9'],
  'apps.v1.StatefulSetSpec': [
    '1 replicas 5|2 selector meta.v1.LabelSelector|3 template core.v1.PodTemplateSpec|4 volumeClaimTemplates core.v1.PersistentVolumeClaim *|5 serviceName 9|6 podManagementPolicy 9|7 updateStrategy apps.v1.StatefulSetUpdateStrategy|8 revisionHistoryLimit 5|9 minReadySeconds 5|10 persistentVolumeClaimRetentionPolicy apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy|11 ordinals apps.v1.StatefulSetOrdinals',
  ],
  'apps.v1.StatefulSetStatus': [
    '1 observedGeneration 3|2 replicas 5|3 readyReplicas 5|4 currentReplicas 5|5 updatedReplicas 5|6 currentRevision 9|7 updateRevision 9|9 collisionCount 5|10 conditions apps.v1.StatefulSetCondition *|11 availableReplicas 5',
  ],
  'apps.v1.StatefulSetUpdateStrategy': ['1 type 9|2 rollingUpdate apps.v1.RollingUpdateStatefulSetStrategy'],
  'meta.v1.APIGroup': [
    '1 name 9|2 versions meta.v1.GroupVersionForDiscovery *|3 preferredVersion meta.v1.GroupVersionForDiscovery|4 serverAddressByClientCIDRs meta.v1.ServerAddressByClientCIDR *',
  ],
  'meta.v1.APIGroupList': ['1 groups meta.v1.APIGroup *'],
  'meta.v1.APIResource': [
    '1 name 9|6 singularName 9|2 namespaced 8|8 group 9|9 version 9|3 kind 9|4 verbs meta.v1.Verbs|5 shortNames 9 *|7 categories 9 *|10 storageVersionHash 9',
  ],
  'meta.v1.APIResourceList': ['1 groupVersion 9|2 resources meta.v1.APIResource *'],
  'meta.v1.APIVersions': ['1 versions 9 *|2 serverAddressByClientCIDRs meta.v1.ServerAddressByClientCIDR *'],
  'meta.v1.ApplyOptions': ['1 dryRun 9 *|2 force 8|3 fieldManager 9'],
  'meta.v1.Condition': [
    '1 type 9|2 status 9|3 observedGeneration 3|4 lastTransitionTime meta.v1.Time|5 reason 9|6 message 9',
  ],
  'meta.v1.CreateOptions': ['1 dryRun 9 *|3 fieldManager 9|4 fieldValidation 9'],
  'meta.v1.DeleteOptions': [
    '1 gracePeriodSeconds 3|2 preconditions meta.v1.Preconditions|3 orphanDependents 8|4 propagationPolicy 9|5 dryRun 9 *|6 ignoreStoreReadErrorWithClusterBreakingPotential 8',
  ],
  'meta.v1.Duration': ['1 duration 3'],
  'meta.v1.FieldSelectorRequirement': ['1 key 9|2 operator 9|3 values 9 *'],
  'meta.v1.FieldsV1': ['1 Raw 12'],
  'meta.v1.GetOptions': ['1 resourceVersion 9'],
  'meta.v1.GroupKind': ['1 group 9|2 kind 9'],
  'meta.v1.GroupResource': ['1 group 9|2 resource 9'],
  'meta.v1.GroupVersion': ['1 group 9|2 version 9'],
  'meta.v1.GroupVersionForDiscovery': ['1 groupVersion 9|2 version 9'],
  'meta.v1.GroupVersionKind': ['1 group 9|2 version 9|3 kind 9'],
  'meta.v1.GroupVersionResource': ['1 group 9|2 version 9|3 resource 9'],
  'meta.v1.LabelSelector.MatchLabelsEntry': ['M', '1 key 9|2 value 9'],
  'meta.v1.LabelSelector': [
    '1 matchLabels meta.v1.LabelSelector.MatchLabelsEntry *|2 matchExpressions meta.v1.LabelSelectorRequirement *',
  ],
  'meta.v1.LabelSelectorRequirement': ['1 key 9|2 operator 9|3 values 9 *'],
  'meta.v1.List': ['1 metadata meta.v1.ListMeta|2 items runtime.RawExtension *'],
  'meta.v1.ListMeta': ['1 selfLink 9|2 resourceVersion 9|3 continue 9|4 remainingItemCount 3'],
  'meta.v1.ListOptions': [
    '1 labelSelector 9|2 fieldSelector 9|3 watch 8|9 allowWatchBookmarks 8|4 resourceVersion 9|10 resourceVersionMatch 9|5 timeoutSeconds 3|7 limit 3|8 continue 9|11 sendInitialEvents 8',
  ],
  'meta.v1.ManagedFieldsEntry': [
    '1 manager 9|2 operation 9|3 apiVersion 9|4 time meta.v1.Time|6 fieldsType 9|7 fieldsV1 meta.v1.FieldsV1|8 subresource 9',
  ],
  'meta.v1.MicroTime': ['1 seconds 3|2 nanos 5'],
  'meta.v1.ObjectMeta.LabelsEntry': ['M', '1 key 9|2 value 9'],
  'meta.v1.ObjectMeta.AnnotationsEntry': ['M', '1 key 9|2 value 9'],
  'meta.v1.ObjectMeta': [
    '1 name 9|2 generateName 9|3 namespace 9|4 selfLink 9|5 uid 9|6 resourceVersion 9|7 generation 3|8 creationTimestamp meta.v1.Time|9 deletionTimestamp meta.v1.Time|10 deletionGracePeriodSeconds 3|11 labels meta.v1.ObjectMeta.LabelsEntry *|12 annotations meta.v1.ObjectMeta.AnnotationsEntry *|13 ownerReferences meta.v1.OwnerReference *|14 finalizers 9 *|17 managedFields meta.v1.ManagedFieldsEntry *',
  ],
  'meta.v1.OwnerReference': ['5 apiVersion 9|1 kind 9|3 name 9|4 uid 9|6 controller 8|7 blockOwnerDeletion 8'],
  'meta.v1.PartialObjectMetadata': ['1 metadata meta.v1.ObjectMeta'],
  'meta.v1.PartialObjectMetadataList': ['1 metadata meta.v1.ListMeta|2 items meta.v1.PartialObjectMetadata *'],
  'meta.v1.Patch': [''],
  'meta.v1.PatchOptions': ['1 dryRun 9 *|2 force 8|3 fieldManager 9|4 fieldValidation 9'],
  'meta.v1.Preconditions': ['1 uid 9|2 resourceVersion 9'],
  'meta.v1.RootPaths': ['1 paths 9 *'],
  'meta.v1.ServerAddressByClientCIDR': ['1 clientCIDR 9|2 serverAddress 9'],
  'meta.v1.Status': [
    '1 metadata meta.v1.ListMeta|2 status 9|3 message 9|4 reason 9|5 details meta.v1.StatusDetails|6 code 5',
  ],
  'meta.v1.StatusCause': ['1 reason 9|2 message 9|3 field 9'],
  'meta.v1.StatusDetails': ['1 name 9|2 group 9|3 kind 9|6 uid 9|4 causes meta.v1.StatusCause *|5 retryAfterSeconds 5'],
  'meta.v1.TableOptions': ['1 includeObject 9'],
  'meta.v1.Time': ['1 seconds 3|2 nanos 5'],
  'meta.v1.Timestamp': ['1 seconds 3|2 nanos 5'],
  'meta.v1.TypeMeta': ['1 kind 9|2 apiVersion 9'],
  'meta.v1.UpdateOptions': ['1 dryRun 9 *|2 fieldManager 9|3 fieldValidation 9'],
  'meta.v1.Verbs': ['1 items 9 *'],
  'meta.v1.WatchEvent': ['1 type 9|2 object runtime.RawExtension'],
  'core.v1.AWSElasticBlockStoreVolumeSource': ['1 volumeID 9|2 fsType 9|3 partition 5|4 readOnly 8'],
  'core.v1.Affinity': [
    '1 nodeAffinity core.v1.NodeAffinity|2 podAffinity core.v1.PodAffinity|3 podAntiAffinity core.v1.PodAntiAffinity',
  ],
  'core.v1.AppArmorProfile': ['1 type 9|2 localhostProfile 9'],
  'core.v1.AttachedVolume': ['1 name 9|2 devicePath 9'],
  'core.v1.AvoidPods': ['1 preferAvoidPods core.v1.PreferAvoidPodsEntry *'],
  'core.v1.AzureDiskVolumeSource': ['1 diskName 9|2 diskURI 9|3 cachingMode 9|4 fsType 9|5 readOnly 8|6 kind 9'],
  'core.v1.AzureFilePersistentVolumeSource': ['1 secretName 9|2 shareName 9|3 readOnly 8|4 secretNamespace 9'],
  'core.v1.AzureFileVolumeSource': ['1 secretName 9|2 shareName 9|3 readOnly 8'],
  'core.v1.Binding': ['1 metadata meta.v1.ObjectMeta|2 target core.v1.ObjectReference'],
  'core.v1.CSIPersistentVolumeSource.VolumeAttributesEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.CSIPersistentVolumeSource': [
    '1 driver 9|2 volumeHandle 9|3 readOnly 8|4 fsType 9|5 volumeAttributes core.v1.CSIPersistentVolumeSource.VolumeAttributesEntry *|6 controllerPublishSecretRef core.v1.SecretReference|7 nodeStageSecretRef core.v1.SecretReference|8 nodePublishSecretRef core.v1.SecretReference|9 controllerExpandSecretRef core.v1.SecretReference|10 nodeExpandSecretRef core.v1.SecretReference',
  ],
  'core.v1.CSIVolumeSource.VolumeAttributesEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.CSIVolumeSource': [
    '1 driver 9|2 readOnly 8|3 fsType 9|4 volumeAttributes core.v1.CSIVolumeSource.VolumeAttributesEntry *|5 nodePublishSecretRef core.v1.LocalObjectReference',
  ],
  'core.v1.Capabilities': ['1 add 9 *|2 drop 9 *'],
  'core.v1.CephFSPersistentVolumeSource': [
    '1 monitors 9 *|2 path 9|3 user 9|4 secretFile 9|5 secretRef core.v1.SecretReference|6 readOnly 8',
  ],
  'core.v1.CephFSVolumeSource': [
    '1 monitors 9 *|2 path 9|3 user 9|4 secretFile 9|5 secretRef core.v1.LocalObjectReference|6 readOnly 8',
  ],
  'core.v1.CinderPersistentVolumeSource': ['1 volumeID 9|2 fsType 9|3 readOnly 8|4 secretRef core.v1.SecretReference'],
  'core.v1.CinderVolumeSource': ['1 volumeID 9|2 fsType 9|3 readOnly 8|4 secretRef core.v1.LocalObjectReference'],
  'core.v1.ClientIPConfig': ['1 timeoutSeconds 5'],
  'core.v1.ClusterTrustBundleProjection': [
    '1 name 9|2 signerName 9|3 labelSelector meta.v1.LabelSelector|5 optional 8|4 path 9',
  ],
  'core.v1.ComponentCondition': ['1 type 9|2 status 9|3 message 9|4 error 9'],
  'core.v1.ComponentStatus': ['1 metadata meta.v1.ObjectMeta|2 conditions core.v1.ComponentCondition *'],
  'core.v1.ComponentStatusList': ['1 metadata meta.v1.ListMeta|2 items core.v1.ComponentStatus *'],
  'core.v1.ConfigMap.DataEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.ConfigMap.BinaryDataEntry': ['M', '1 key 9|2 value 12'],
  'core.v1.ConfigMap': [
    '1 metadata meta.v1.ObjectMeta|4 immutable 8|2 data core.v1.ConfigMap.DataEntry *|3 binaryData core.v1.ConfigMap.BinaryDataEntry *',
  ],
  'core.v1.ConfigMapEnvSource': ['1 localObjectReference core.v1.LocalObjectReference|2 optional 8'],
  'core.v1.ConfigMapKeySelector': ['1 localObjectReference core.v1.LocalObjectReference|2 key 9|3 optional 8'],
  'core.v1.ConfigMapList': ['1 metadata meta.v1.ListMeta|2 items core.v1.ConfigMap *'],
  'core.v1.ConfigMapNodeConfigSource': ['1 namespace 9|2 name 9|3 uid 9|4 resourceVersion 9|5 kubeletConfigKey 9'],
  'core.v1.ConfigMapProjection': [
    '1 localObjectReference core.v1.LocalObjectReference|2 items core.v1.KeyToPath *|4 optional 8',
  ],
  'core.v1.ConfigMapVolumeSource': [
    '1 localObjectReference core.v1.LocalObjectReference|2 items core.v1.KeyToPath *|3 defaultMode 5|4 optional 8',
  ],
  'core.v1.Container': [
    '1 name 9|2 image 9|3 command 9 *|4 args 9 *|5 workingDir 9|6 ports core.v1.ContainerPort *|19 envFrom core.v1.EnvFromSource *|7 env core.v1.EnvVar *|8 resources core.v1.ResourceRequirements|23 resizePolicy core.v1.ContainerResizePolicy *|24 restartPolicy 9|9 volumeMounts core.v1.VolumeMount *|21 volumeDevices core.v1.VolumeDevice *|10 livenessProbe core.v1.Probe|11 readinessProbe core.v1.Probe|22 startupProbe core.v1.Probe|12 lifecycle core.v1.Lifecycle|13 terminationMessagePath 9|20 terminationMessagePolicy 9|14 imagePullPolicy 9|15 securityContext core.v1.SecurityContext|16 stdin 8|17 stdinOnce 8|18 tty 8',
  ],
  'core.v1.ContainerImage': ['1 names 9 *|2 sizeBytes 3'],
  'core.v1.ContainerPort': ['1 name 9|2 hostPort 5|3 containerPort 5|4 protocol 9|5 hostIP 9'],
  'core.v1.ContainerResizePolicy': ['1 resourceName 9|2 restartPolicy 9'],
  'core.v1.ContainerState': [
    '1 waiting core.v1.ContainerStateWaiting|2 running core.v1.ContainerStateRunning|3 terminated core.v1.ContainerStateTerminated',
  ],
  'core.v1.ContainerStateRunning': ['1 startedAt meta.v1.Time'],
  'core.v1.ContainerStateTerminated': [
    '1 exitCode 5|2 signal 5|3 reason 9|4 message 9|5 startedAt meta.v1.Time|6 finishedAt meta.v1.Time|7 containerID 9',
  ],
  'core.v1.ContainerStateWaiting': ['1 reason 9|2 message 9'],
  'core.v1.ContainerStatus.AllocatedResourcesEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.ContainerStatus': [
    '1 name 9|2 state core.v1.ContainerState|3 lastState core.v1.ContainerState|4 ready 8|5 restartCount 5|6 image 9|7 imageID 9|8 containerID 9|9 started 8|10 allocatedResources core.v1.ContainerStatus.AllocatedResourcesEntry *|11 resources core.v1.ResourceRequirements|12 volumeMounts core.v1.VolumeMountStatus *|13 user core.v1.ContainerUser|14 allocatedResourcesStatus core.v1.ResourceStatus *',
  ],
  'core.v1.ContainerUser': ['1 linux core.v1.LinuxContainerUser'],
  'core.v1.DaemonEndpoint': ['1 Port 5'],
  'core.v1.DownwardAPIProjection': ['1 items core.v1.DownwardAPIVolumeFile *'],
  'core.v1.DownwardAPIVolumeFile': [
    '1 path 9|2 fieldRef core.v1.ObjectFieldSelector|3 resourceFieldRef core.v1.ResourceFieldSelector|4 mode 5',
  ],
  'core.v1.DownwardAPIVolumeSource': ['1 items core.v1.DownwardAPIVolumeFile *|2 defaultMode 5'],
  'core.v1.EmptyDirVolumeSource': ['1 medium 9|2 sizeLimit resource.Quantity'],
  'core.v1.EndpointAddress': ['1 ip 9|3 hostname 9|4 nodeName 9|2 targetRef core.v1.ObjectReference'],
  'core.v1.EndpointPort': ['1 name 9|2 port 5|3 protocol 9|4 appProtocol 9'],
  'core.v1.EndpointSubset': [
    '1 addresses core.v1.EndpointAddress *|2 notReadyAddresses core.v1.EndpointAddress *|3 ports core.v1.EndpointPort *',
  ],
  'core.v1.Endpoints': ['1 metadata meta.v1.ObjectMeta|2 subsets core.v1.EndpointSubset *'],
  'core.v1.EndpointsList': ['1 metadata meta.v1.ListMeta|2 items core.v1.Endpoints *'],
  'core.v1.EnvFromSource': ['1 prefix 9|2 configMapRef core.v1.ConfigMapEnvSource|3 secretRef core.v1.SecretEnvSource'],
  'core.v1.EnvVar': ['1 name 9|2 value 9|3 valueFrom core.v1.EnvVarSource'],
  'core.v1.EnvVarSource': [
    '1 fieldRef core.v1.ObjectFieldSelector|2 resourceFieldRef core.v1.ResourceFieldSelector|3 configMapKeyRef core.v1.ConfigMapKeySelector|4 secretKeyRef core.v1.SecretKeySelector',
  ],
  'core.v1.EphemeralContainer': ['1 ephemeralContainerCommon core.v1.EphemeralContainerCommon|2 targetContainerName 9'],
  'core.v1.EphemeralContainerCommon': [
    '1 name 9|2 image 9|3 command 9 *|4 args 9 *|5 workingDir 9|6 ports core.v1.ContainerPort *|19 envFrom core.v1.EnvFromSource *|7 env core.v1.EnvVar *|8 resources core.v1.ResourceRequirements|23 resizePolicy core.v1.ContainerResizePolicy *|24 restartPolicy 9|9 volumeMounts core.v1.VolumeMount *|21 volumeDevices core.v1.VolumeDevice *|10 livenessProbe core.v1.Probe|11 readinessProbe core.v1.Probe|22 startupProbe core.v1.Probe|12 lifecycle core.v1.Lifecycle|13 terminationMessagePath 9|20 terminationMessagePolicy 9|14 imagePullPolicy 9|15 securityContext core.v1.SecurityContext|16 stdin 8|17 stdinOnce 8|18 tty 8',
  ],
  'core.v1.EphemeralVolumeSource': ['1 volumeClaimTemplate core.v1.PersistentVolumeClaimTemplate'],
  'core.v1.Event': [
    '1 metadata meta.v1.ObjectMeta|2 involvedObject core.v1.ObjectReference|3 reason 9|4 message 9|5 source core.v1.EventSource|6 firstTimestamp meta.v1.Time|7 lastTimestamp meta.v1.Time|8 count 5|9 type 9|10 eventTime meta.v1.MicroTime|11 series core.v1.EventSeries|12 action 9|13 related core.v1.ObjectReference|14 reportingComponent 9|15 reportingInstance 9',
  ],
  'core.v1.EventList': ['1 metadata meta.v1.ListMeta|2 items core.v1.Event *'],
  'core.v1.EventSeries': ['1 count 5|2 lastObservedTime meta.v1.MicroTime'],
  'core.v1.EventSource': ['1 component 9|2 host 9'],
  'core.v1.ExecAction': ['1 command 9 *'],
  'core.v1.FCVolumeSource': ['1 targetWWNs 9 *|2 lun 5|3 fsType 9|4 readOnly 8|5 wwids 9 *'],
  'core.v1.FlexPersistentVolumeSource.OptionsEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.FlexPersistentVolumeSource': [
    '1 driver 9|2 fsType 9|3 secretRef core.v1.SecretReference|4 readOnly 8|5 options core.v1.FlexPersistentVolumeSource.OptionsEntry *',
  ],
  'core.v1.FlexVolumeSource.OptionsEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.FlexVolumeSource': [
    '1 driver 9|2 fsType 9|3 secretRef core.v1.LocalObjectReference|4 readOnly 8|5 options core.v1.FlexVolumeSource.OptionsEntry *',
  ],
  'core.v1.FlockerVolumeSource': ['1 datasetName 9|2 datasetUUID 9'],
  'core.v1.GCEPersistentDiskVolumeSource': ['1 pdName 9|2 fsType 9|3 partition 5|4 readOnly 8'],
  'core.v1.GRPCAction': ['1 port 5|2 service 9'],
  'core.v1.GitRepoVolumeSource': ['1 repository 9|2 revision 9|3 directory 9'],
  'core.v1.GlusterfsPersistentVolumeSource': ['1 endpoints 9|2 path 9|3 readOnly 8|4 endpointsNamespace 9'],
  'core.v1.GlusterfsVolumeSource': ['1 endpoints 9|2 path 9|3 readOnly 8'],
  'core.v1.HTTPGetAction': [
    '1 path 9|2 port intstr.IntOrString|3 host 9|4 scheme 9|5 httpHeaders core.v1.HTTPHeader *',
  ],
  'core.v1.HTTPHeader': ['1 name 9|2 value 9'],
  'core.v1.HostAlias': ['1 ip 9|2 hostnames 9 *'],
  'core.v1.HostIP': ['1 ip 9'],
  'core.v1.HostPathVolumeSource': ['1 path 9|2 type 9'],
  'core.v1.ISCSIPersistentVolumeSource': [
    '1 targetPortal 9|2 iqn 9|3 lun 5|4 iscsiInterface 9|5 fsType 9|6 readOnly 8|7 portals 9 *|8 chapAuthDiscovery 8|11 chapAuthSession 8|10 secretRef core.v1.SecretReference|12 initiatorName 9',
  ],
  'core.v1.ISCSIVolumeSource': [
    '1 targetPortal 9|2 iqn 9|3 lun 5|4 iscsiInterface 9|5 fsType 9|6 readOnly 8|7 portals 9 *|8 chapAuthDiscovery 8|11 chapAuthSession 8|10 secretRef core.v1.LocalObjectReference|12 initiatorName 9',
  ],
  'core.v1.ImageVolumeSource': ['1 reference 9|2 pullPolicy 9'],
  'core.v1.KeyToPath': ['1 key 9|2 path 9|3 mode 5'],
  'core.v1.Lifecycle': ['1 postStart core.v1.LifecycleHandler|2 preStop core.v1.LifecycleHandler'],
  'core.v1.LifecycleHandler': [
    '1 exec core.v1.ExecAction|2 httpGet core.v1.HTTPGetAction|3 tcpSocket core.v1.TCPSocketAction|4 sleep core.v1.SleepAction',
  ],
  'core.v1.LimitRange': ['1 metadata meta.v1.ObjectMeta|2 spec core.v1.LimitRangeSpec'],
  'core.v1.LimitRangeItem.MaxEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.LimitRangeItem.MinEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.LimitRangeItem.DefaultEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.LimitRangeItem.DefaultRequestEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.LimitRangeItem.MaxLimitRequestRatioEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.LimitRangeItem': [
    '1 type 9|2 max core.v1.LimitRangeItem.MaxEntry *|3 min core.v1.LimitRangeItem.MinEntry *|4 default core.v1.LimitRangeItem.DefaultEntry *|5 defaultRequest core.v1.LimitRangeItem.DefaultRequestEntry *|6 maxLimitRequestRatio core.v1.LimitRangeItem.MaxLimitRequestRatioEntry *',
  ],
  'core.v1.LimitRangeList': ['1 metadata meta.v1.ListMeta|2 items core.v1.LimitRange *'],
  'core.v1.LimitRangeSpec': ['1 limits core.v1.LimitRangeItem *'],
  'core.v1.LinuxContainerUser': ['1 uid 3|2 gid 3|3 supplementalGroups 3 *'],
  'core.v1.List': ['1 metadata meta.v1.ListMeta|2 items runtime.RawExtension *'],
  'core.v1.LoadBalancerIngress': ['1 ip 9|2 hostname 9|3 ipMode 9|4 ports core.v1.PortStatus *'],
  'core.v1.LoadBalancerStatus': ['1 ingress core.v1.LoadBalancerIngress *'],
  'core.v1.LocalObjectReference': ['1 name 9'],
  'core.v1.LocalVolumeSource': ['1 path 9|2 fsType 9'],
  'core.v1.ModifyVolumeStatus': ['1 targetVolumeAttributesClassName 9|2 status 9'],
  'core.v1.NFSVolumeSource': ['1 server 9|2 path 9|3 readOnly 8'],
  'core.v1.Namespace': ['1 metadata meta.v1.ObjectMeta|2 spec core.v1.NamespaceSpec|3 status core.v1.NamespaceStatus'],
  'core.v1.NamespaceCondition': ['1 type 9|2 status 9|4 lastTransitionTime meta.v1.Time|5 reason 9|6 message 9'],
  'core.v1.NamespaceList': ['1 metadata meta.v1.ListMeta|2 items core.v1.Namespace *'],
  'core.v1.NamespaceSpec': ['1 finalizers 9 *'],
  'core.v1.NamespaceStatus': ['1 phase 9|2 conditions core.v1.NamespaceCondition *'],
  'core.v1.Node': ['1 metadata meta.v1.ObjectMeta|2 spec core.v1.NodeSpec|3 status core.v1.NodeStatus'],
  'core.v1.NodeAddress': ['1 type 9|2 address 9'],
  'core.v1.NodeAffinity': [
    '1 requiredDuringSchedulingIgnoredDuringExecution core.v1.NodeSelector|2 preferredDuringSchedulingIgnoredDuringExecution core.v1.PreferredSchedulingTerm *',
  ],
  'core.v1.NodeCondition': [
    '1 type 9|2 status 9|3 lastHeartbeatTime meta.v1.Time|4 lastTransitionTime meta.v1.Time|5 reason 9|6 message 9',
  ],
  'core.v1.NodeConfigSource': ['2 configMap core.v1.ConfigMapNodeConfigSource'],
  'core.v1.NodeConfigStatus': [
    '1 assigned core.v1.NodeConfigSource|2 active core.v1.NodeConfigSource|3 lastKnownGood core.v1.NodeConfigSource|4 error 9',
  ],
  'core.v1.NodeDaemonEndpoints': ['1 kubeletEndpoint core.v1.DaemonEndpoint'],
  'core.v1.NodeFeatures': ['1 supplementalGroupsPolicy 8'],
  'core.v1.NodeList': ['1 metadata meta.v1.ListMeta|2 items core.v1.Node *'],
  'core.v1.NodeProxyOptions': ['1 path 9'],
  'core.v1.NodeRuntimeHandler': ['1 name 9|2 features core.v1.NodeRuntimeHandlerFeatures'],
  'core.v1.NodeRuntimeHandlerFeatures': ['1 recursiveReadOnlyMounts 8|2 userNamespaces 8'],
  'core.v1.NodeSelector': ['1 nodeSelectorTerms core.v1.NodeSelectorTerm *'],
  'core.v1.NodeSelectorRequirement': ['1 key 9|2 operator 9|3 values 9 *'],
  'core.v1.NodeSelectorTerm': [
    '1 matchExpressions core.v1.NodeSelectorRequirement *|2 matchFields core.v1.NodeSelectorRequirement *',
  ],
  'core.v1.NodeSpec': [
    '1 podCIDR 9|7 podCIDRs 9 *|3 providerID 9|4 unschedulable 8|5 taints core.v1.Taint *|6 configSource core.v1.NodeConfigSource|2 externalID 9',
  ],
  'core.v1.NodeStatus.CapacityEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.NodeStatus.AllocatableEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.NodeStatus': [
    '1 capacity core.v1.NodeStatus.CapacityEntry *|2 allocatable core.v1.NodeStatus.AllocatableEntry *|3 phase 9|4 conditions core.v1.NodeCondition *|5 addresses core.v1.NodeAddress *|6 daemonEndpoints core.v1.NodeDaemonEndpoints|7 nodeInfo core.v1.NodeSystemInfo|8 images core.v1.ContainerImage *|9 volumesInUse 9 *|10 volumesAttached core.v1.AttachedVolume *|11 config core.v1.NodeConfigStatus|12 runtimeHandlers core.v1.NodeRuntimeHandler *|13 features core.v1.NodeFeatures',
  ],
  'core.v1.NodeSystemInfo': [
    '1 machineID 9|2 systemUUID 9|3 bootID 9|4 kernelVersion 9|5 osImage 9|6 containerRuntimeVersion 9|7 kubeletVersion 9|8 kubeProxyVersion 9|9 operatingSystem 9|10 architecture 9',
  ],
  'core.v1.ObjectFieldSelector': ['1 apiVersion 9|2 fieldPath 9'],
  'core.v1.ObjectReference': [
    '1 kind 9|2 namespace 9|3 name 9|4 uid 9|5 apiVersion 9|6 resourceVersion 9|7 fieldPath 9',
  ],
  'core.v1.PersistentVolume': [
    '1 metadata meta.v1.ObjectMeta|2 spec core.v1.PersistentVolumeSpec|3 status core.v1.PersistentVolumeStatus',
  ],
  'core.v1.PersistentVolumeClaim': [
    '1 metadata meta.v1.ObjectMeta|2 spec core.v1.PersistentVolumeClaimSpec|3 status core.v1.PersistentVolumeClaimStatus',
  ],
  'core.v1.PersistentVolumeClaimCondition': [
    '1 type 9|2 status 9|3 lastProbeTime meta.v1.Time|4 lastTransitionTime meta.v1.Time|5 reason 9|6 message 9',
  ],
  'core.v1.PersistentVolumeClaimList': ['1 metadata meta.v1.ListMeta|2 items core.v1.PersistentVolumeClaim *'],
  'core.v1.PersistentVolumeClaimSpec': [
    '1 accessModes 9 *|4 selector meta.v1.LabelSelector|2 resources core.v1.VolumeResourceRequirements|3 volumeName 9|5 storageClassName 9|6 volumeMode 9|7 dataSource core.v1.TypedLocalObjectReference|8 dataSourceRef core.v1.TypedObjectReference|9 volumeAttributesClassName 9',
  ],
  'core.v1.PersistentVolumeClaimStatus.CapacityEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.PersistentVolumeClaimStatus.AllocatedResourcesEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.PersistentVolumeClaimStatus.AllocatedResourceStatusesEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.PersistentVolumeClaimStatus': [
    '1 phase 9|2 accessModes 9 *|3 capacity core.v1.PersistentVolumeClaimStatus.CapacityEntry *|4 conditions core.v1.PersistentVolumeClaimCondition *|5 allocatedResources core.v1.PersistentVolumeClaimStatus.AllocatedResourcesEntry *|7 allocatedResourceStatuses core.v1.PersistentVolumeClaimStatus.AllocatedResourceStatusesEntry *|8 currentVolumeAttributesClassName 9|9 modifyVolumeStatus core.v1.ModifyVolumeStatus',
  ],
  'core.v1.PersistentVolumeClaimTemplate': ['1 metadata meta.v1.ObjectMeta|2 spec core.v1.PersistentVolumeClaimSpec'],
  'core.v1.PersistentVolumeClaimVolumeSource': ['1 claimName 9|2 readOnly 8'],
  'core.v1.PersistentVolumeList': ['1 metadata meta.v1.ListMeta|2 items core.v1.PersistentVolume *'],
  'core.v1.PersistentVolumeSource': [
    '1 gcePersistentDisk core.v1.GCEPersistentDiskVolumeSource|2 awsElasticBlockStore core.v1.AWSElasticBlockStoreVolumeSource|3 hostPath core.v1.HostPathVolumeSource|4 glusterfs core.v1.GlusterfsPersistentVolumeSource|5 nfs core.v1.NFSVolumeSource|6 rbd core.v1.RBDPersistentVolumeSource|7 iscsi core.v1.ISCSIPersistentVolumeSource|8 cinder core.v1.CinderPersistentVolumeSource|9 cephfs core.v1.CephFSPersistentVolumeSource|10 fc core.v1.FCVolumeSource|11 flocker core.v1.FlockerVolumeSource|12 flexVolume core.v1.FlexPersistentVolumeSource|13 azureFile core.v1.AzureFilePersistentVolumeSource|14 vsphereVolume core.v1.VsphereVirtualDiskVolumeSource|15 quobyte core.v1.QuobyteVolumeSource|16 azureDisk core.v1.AzureDiskVolumeSource|17 photonPersistentDisk core.v1.PhotonPersistentDiskVolumeSource|18 portworxVolume core.v1.PortworxVolumeSource|19 scaleIO core.v1.ScaleIOPersistentVolumeSource|20 local core.v1.LocalVolumeSource|21 storageos core.v1.StorageOSPersistentVolumeSource|22 csi core.v1.CSIPersistentVolumeSource',
  ],
  'core.v1.PersistentVolumeSpec.CapacityEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.PersistentVolumeSpec': [
    '1 capacity core.v1.PersistentVolumeSpec.CapacityEntry *|2 persistentVolumeSource core.v1.PersistentVolumeSource|3 accessModes 9 *|4 claimRef core.v1.ObjectReference|5 persistentVolumeReclaimPolicy 9|6 storageClassName 9|7 mountOptions 9 *|8 volumeMode 9|9 nodeAffinity core.v1.VolumeNodeAffinity|10 volumeAttributesClassName 9',
  ],
  'core.v1.PersistentVolumeStatus': ['1 phase 9|2 message 9|3 reason 9|4 lastPhaseTransitionTime meta.v1.Time'],
  'core.v1.PhotonPersistentDiskVolumeSource': ['1 pdID 9|2 fsType 9'],
  'core.v1.Pod': ['1 metadata meta.v1.ObjectMeta|2 spec core.v1.PodSpec|3 status core.v1.PodStatus'],
  'core.v1.PodAffinity': [
    '1 requiredDuringSchedulingIgnoredDuringExecution core.v1.PodAffinityTerm *|2 preferredDuringSchedulingIgnoredDuringExecution core.v1.WeightedPodAffinityTerm *',
  ],
  'core.v1.PodAffinityTerm': [
    '1 labelSelector meta.v1.LabelSelector|2 namespaces 9 *|3 topologyKey 9|4 namespaceSelector meta.v1.LabelSelector|5 matchLabelKeys 9 *|6 mismatchLabelKeys 9 *',
  ],
  'core.v1.PodAntiAffinity': [
    '1 requiredDuringSchedulingIgnoredDuringExecution core.v1.PodAffinityTerm *|2 preferredDuringSchedulingIgnoredDuringExecution core.v1.WeightedPodAffinityTerm *',
  ],
  'core.v1.PodAttachOptions': ['1 stdin 8|2 stdout 8|3 stderr 8|4 tty 8|5 container 9'],
  'core.v1.PodCondition': [
    '1 type 9|2 status 9|3 lastProbeTime meta.v1.Time|4 lastTransitionTime meta.v1.Time|5 reason 9|6 message 9',
  ],
  'core.v1.PodDNSConfig': ['1 nameservers 9 *|2 searches 9 *|3 options core.v1.PodDNSConfigOption *'],
  'core.v1.PodDNSConfigOption': ['1 name 9|2 value 9'],
  'core.v1.PodExecOptions': ['1 stdin 8|2 stdout 8|3 stderr 8|4 tty 8|5 container 9|6 command 9 *'],
  'core.v1.PodIP': ['1 ip 9'],
  'core.v1.PodList': ['1 metadata meta.v1.ListMeta|2 items core.v1.Pod *'],
  'core.v1.PodLogOptions': [
    '1 container 9|2 follow 8|3 previous 8|4 sinceSeconds 3|5 sinceTime meta.v1.Time|6 timestamps 8|7 tailLines 3|8 limitBytes 3|9 insecureSkipTLSVerifyBackend 8|10 stream 9',
  ],
  'core.v1.PodOS': ['1 name 9'],
  'core.v1.PodPortForwardOptions': ['1 ports 5 *'],
  'core.v1.PodProxyOptions': ['1 path 9'],
  'core.v1.PodReadinessGate': ['1 conditionType 9'],
  'core.v1.PodResourceClaim': ['1 name 9|3 resourceClaimName 9|4 resourceClaimTemplateName 9'],
  'core.v1.PodResourceClaimStatus': ['1 name 9|2 resourceClaimName 9'],
  'core.v1.PodSchedulingGate': ['1 name 9'],
  'core.v1.PodSecurityContext': [
    '1 seLinuxOptions core.v1.SELinuxOptions|8 windowsOptions core.v1.WindowsSecurityContextOptions|2 runAsUser 3|6 runAsGroup 3|3 runAsNonRoot 8|4 supplementalGroups 3 *|12 supplementalGroupsPolicy 9|5 fsGroup 3|7 sysctls core.v1.Sysctl *|9 fsGroupChangePolicy 9|10 seccompProfile core.v1.SeccompProfile|11 appArmorProfile core.v1.AppArmorProfile|13 seLinuxChangePolicy 9',
  ],
  'core.v1.PodSignature': ['1 podController meta.v1.OwnerReference'],
  'core.v1.PodSpec.NodeSelectorEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.PodSpec.OverheadEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.PodSpec': [
    '1 volumes core.v1.Volume *|20 initContainers core.v1.Container *|2 containers core.v1.Container *|34 ephemeralContainers core.v1.EphemeralContainer *|3 restartPolicy 9|4 terminationGracePeriodSeconds 3|5 activeDeadlineSeconds 3|6 dnsPolicy 9|7 nodeSelector core.v1.PodSpec.NodeSelectorEntry *|8 serviceAccountName 9|9 serviceAccount 9|21 automountServiceAccountToken 8|10 nodeName 9|11 hostNetwork 8|12 hostPID 8|13 hostIPC 8|27 shareProcessNamespace 8|14 securityContext core.v1.PodSecurityContext|15 imagePullSecrets core.v1.LocalObjectReference *|16 hostname 9|17 subdomain 9|18 affinity core.v1.Affinity|19 schedulerName 9|22 tolerations core.v1.Toleration *|23 hostAliases core.v1.HostAlias *|24 priorityClassName 9|25 priority 5|26 dnsConfig core.v1.PodDNSConfig|28 readinessGates core.v1.PodReadinessGate *|29 runtimeClassName 9|30 enableServiceLinks 8|31 preemptionPolicy 9|32 overhead core.v1.PodSpec.OverheadEntry *|33 topologySpreadConstraints core.v1.TopologySpreadConstraint *|35 setHostnameAsFQDN 8|36 os core.v1.PodOS|37 hostUsers 8|38 schedulingGates core.v1.PodSchedulingGate *|39 resourceClaims core.v1.PodResourceClaim *|40 resources core.v1.ResourceRequirements',
  ],
  'core.v1.PodStatus': [
    '1 phase 9|2 conditions core.v1.PodCondition *|3 message 9|4 reason 9|11 nominatedNodeName 9|5 hostIP 9|16 hostIPs core.v1.HostIP *|6 podIP 9|12 podIPs core.v1.PodIP *|7 startTime meta.v1.Time|10 initContainerStatuses core.v1.ContainerStatus *|8 containerStatuses core.v1.ContainerStatus *|9 qosClass 9|13 ephemeralContainerStatuses core.v1.ContainerStatus *|14 resize 9|15 resourceClaimStatuses core.v1.PodResourceClaimStatus *',
  ],
  'core.v1.PodStatusResult': ['1 metadata meta.v1.ObjectMeta|2 status core.v1.PodStatus'],
  'core.v1.PodTemplate': ['1 metadata meta.v1.ObjectMeta|2 template core.v1.PodTemplateSpec'],
  'core.v1.PodTemplateList': ['1 metadata meta.v1.ListMeta|2 items core.v1.PodTemplate *'],
  'core.v1.PodTemplateSpec': ['1 metadata meta.v1.ObjectMeta|2 spec core.v1.PodSpec'],
  'core.v1.PortStatus': ['1 port 5|2 protocol 9|3 error 9'],
  'core.v1.PortworxVolumeSource': ['1 volumeID 9|2 fsType 9|3 readOnly 8'],
  'core.v1.Preconditions': ['1 uid 9'],
  'core.v1.PreferAvoidPodsEntry': [
    '1 podSignature core.v1.PodSignature|2 evictionTime meta.v1.Time|3 reason 9|4 message 9',
  ],
  'core.v1.PreferredSchedulingTerm': ['1 weight 5|2 preference core.v1.NodeSelectorTerm'],
  'core.v1.Probe': [
    '1 handler core.v1.ProbeHandler|2 initialDelaySeconds 5|3 timeoutSeconds 5|4 periodSeconds 5|5 successThreshold 5|6 failureThreshold 5|7 terminationGracePeriodSeconds 3',
  ],
  'core.v1.ProbeHandler': [
    '1 exec core.v1.ExecAction|2 httpGet core.v1.HTTPGetAction|3 tcpSocket core.v1.TCPSocketAction|4 grpc core.v1.GRPCAction',
  ],
  'core.v1.ProjectedVolumeSource': ['1 sources core.v1.VolumeProjection *|2 defaultMode 5'],
  'core.v1.QuobyteVolumeSource': ['1 registry 9|2 volume 9|3 readOnly 8|4 user 9|5 group 9|6 tenant 9'],
  'core.v1.RBDPersistentVolumeSource': [
    '1 monitors 9 *|2 image 9|3 fsType 9|4 pool 9|5 user 9|6 keyring 9|7 secretRef core.v1.SecretReference|8 readOnly 8',
  ],
  'core.v1.RBDVolumeSource': [
    '1 monitors 9 *|2 image 9|3 fsType 9|4 pool 9|5 user 9|6 keyring 9|7 secretRef core.v1.LocalObjectReference|8 readOnly 8',
  ],
  'core.v1.RangeAllocation': ['1 metadata meta.v1.ObjectMeta|2 range 9|3 data 12'],
  'core.v1.ReplicationController': [
    '1 metadata meta.v1.ObjectMeta|2 spec core.v1.ReplicationControllerSpec|3 status core.v1.ReplicationControllerStatus',
  ],
  'core.v1.ReplicationControllerCondition': [
    '1 type 9|2 status 9|3 lastTransitionTime meta.v1.Time|4 reason 9|5 message 9',
  ],
  'core.v1.ReplicationControllerList': ['1 metadata meta.v1.ListMeta|2 items core.v1.ReplicationController *'],
  'core.v1.ReplicationControllerSpec.SelectorEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.ReplicationControllerSpec': [
    '1 replicas 5|4 minReadySeconds 5|2 selector core.v1.ReplicationControllerSpec.SelectorEntry *|3 template core.v1.PodTemplateSpec',
  ],
  'core.v1.ReplicationControllerStatus': [
    '1 replicas 5|2 fullyLabeledReplicas 5|4 readyReplicas 5|5 availableReplicas 5|3 observedGeneration 3|6 conditions core.v1.ReplicationControllerCondition *',
  ],
  'core.v1.ResourceClaim': ['1 name 9|2 request 9'],
  'core.v1.ResourceFieldSelector': ['1 containerName 9|2 resource 9|3 divisor resource.Quantity'],
  'core.v1.ResourceHealth': ['1 resourceID 9|2 health 9'],
  'core.v1.ResourceQuota': [
    '1 metadata meta.v1.ObjectMeta|2 spec core.v1.ResourceQuotaSpec|3 status core.v1.ResourceQuotaStatus',
  ],
  'core.v1.ResourceQuotaList': ['1 metadata meta.v1.ListMeta|2 items core.v1.ResourceQuota *'],
  'core.v1.ResourceQuotaSpec.HardEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.ResourceQuotaSpec': [
    '1 hard core.v1.ResourceQuotaSpec.HardEntry *|2 scopes 9 *|3 scopeSelector core.v1.ScopeSelector',
  ],
  'core.v1.ResourceQuotaStatus.HardEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.ResourceQuotaStatus.UsedEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.ResourceQuotaStatus': [
    '1 hard core.v1.ResourceQuotaStatus.HardEntry *|2 used core.v1.ResourceQuotaStatus.UsedEntry *',
  ],
  'core.v1.ResourceRequirements.LimitsEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.ResourceRequirements.RequestsEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.ResourceRequirements': [
    '1 limits core.v1.ResourceRequirements.LimitsEntry *|2 requests core.v1.ResourceRequirements.RequestsEntry *|3 claims core.v1.ResourceClaim *',
  ],
  'core.v1.ResourceStatus': ['1 name 9|2 resources core.v1.ResourceHealth *'],
  'core.v1.SELinuxOptions': ['1 user 9|2 role 9|3 type 9|4 level 9'],
  'core.v1.ScaleIOPersistentVolumeSource': [
    '1 gateway 9|2 system 9|3 secretRef core.v1.SecretReference|4 sslEnabled 8|5 protectionDomain 9|6 storagePool 9|7 storageMode 9|8 volumeName 9|9 fsType 9|10 readOnly 8',
  ],
  'core.v1.ScaleIOVolumeSource': [
    '1 gateway 9|2 system 9|3 secretRef core.v1.LocalObjectReference|4 sslEnabled 8|5 protectionDomain 9|6 storagePool 9|7 storageMode 9|8 volumeName 9|9 fsType 9|10 readOnly 8',
  ],
  'core.v1.ScopeSelector': ['1 matchExpressions core.v1.ScopedResourceSelectorRequirement *'],
  'core.v1.ScopedResourceSelectorRequirement': ['1 scopeName 9|2 operator 9|3 values 9 *'],
  'core.v1.SeccompProfile': ['1 type 9|2 localhostProfile 9'],
  'core.v1.Secret.DataEntry': ['M', '1 key 9|2 value 12'],
  'core.v1.Secret.StringDataEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.Secret': [
    '1 metadata meta.v1.ObjectMeta|5 immutable 8|2 data core.v1.Secret.DataEntry *|4 stringData core.v1.Secret.StringDataEntry *|3 type 9',
  ],
  'core.v1.SecretEnvSource': ['1 localObjectReference core.v1.LocalObjectReference|2 optional 8'],
  'core.v1.SecretKeySelector': ['1 localObjectReference core.v1.LocalObjectReference|2 key 9|3 optional 8'],
  'core.v1.SecretList': ['1 metadata meta.v1.ListMeta|2 items core.v1.Secret *'],
  'core.v1.SecretProjection': [
    '1 localObjectReference core.v1.LocalObjectReference|2 items core.v1.KeyToPath *|4 optional 8',
  ],
  'core.v1.SecretReference': ['1 name 9|2 namespace 9'],
  'core.v1.SecretVolumeSource': ['1 secretName 9|2 items core.v1.KeyToPath *|3 defaultMode 5|4 optional 8'],
  'core.v1.SecurityContext': [
    '1 capabilities core.v1.Capabilities|2 privileged 8|3 seLinuxOptions core.v1.SELinuxOptions|10 windowsOptions core.v1.WindowsSecurityContextOptions|4 runAsUser 3|8 runAsGroup 3|5 runAsNonRoot 8|6 readOnlyRootFilesystem 8|7 allowPrivilegeEscalation 8|9 procMount 9|11 seccompProfile core.v1.SeccompProfile|12 appArmorProfile core.v1.AppArmorProfile',
  ],
  'core.v1.SerializedReference': ['1 reference core.v1.ObjectReference'],
  'core.v1.Service': ['1 metadata meta.v1.ObjectMeta|2 spec core.v1.ServiceSpec|3 status core.v1.ServiceStatus'],
  'core.v1.ServiceAccount': [
    '1 metadata meta.v1.ObjectMeta|2 secrets core.v1.ObjectReference *|3 imagePullSecrets core.v1.LocalObjectReference *|4 automountServiceAccountToken 8',
  ],
  'core.v1.ServiceAccountList': ['1 metadata meta.v1.ListMeta|2 items core.v1.ServiceAccount *'],
  'core.v1.ServiceAccountTokenProjection': ['1 audience 9|2 expirationSeconds 3|3 path 9'],
  'core.v1.ServiceList': ['1 metadata meta.v1.ListMeta|2 items core.v1.Service *'],
  'core.v1.ServicePort': [
    '1 name 9|2 protocol 9|6 appProtocol 9|3 port 5|4 targetPort intstr.IntOrString|5 nodePort 5',
  ],
  'core.v1.ServiceProxyOptions': ['1 path 9'],
  'core.v1.ServiceSpec.SelectorEntry': ['M', '1 key 9|2 value 9'],
  'core.v1.ServiceSpec': [
    '1 ports core.v1.ServicePort *|2 selector core.v1.ServiceSpec.SelectorEntry *|3 clusterIP 9|18 clusterIPs 9 *|4 type 9|5 externalIPs 9 *|7 sessionAffinity 9|8 loadBalancerIP 9|9 loadBalancerSourceRanges 9 *|10 externalName 9|11 externalTrafficPolicy 9|12 healthCheckNodePort 5|13 publishNotReadyAddresses 8|14 sessionAffinityConfig core.v1.SessionAffinityConfig|19 ipFamilies 9 *|17 ipFamilyPolicy 9|20 allocateLoadBalancerNodePorts 8|21 loadBalancerClass 9|22 internalTrafficPolicy 9|23 trafficDistribution 9',
  ],
  'core.v1.ServiceStatus': ['1 loadBalancer core.v1.LoadBalancerStatus|2 conditions meta.v1.Condition *'],
  'core.v1.SessionAffinityConfig': ['1 clientIP core.v1.ClientIPConfig'],
  'core.v1.SleepAction': ['1 seconds 3'],
  'core.v1.StorageOSPersistentVolumeSource': [
    '1 volumeName 9|2 volumeNamespace 9|3 fsType 9|4 readOnly 8|5 secretRef core.v1.ObjectReference',
  ],
  'core.v1.StorageOSVolumeSource': [
    '1 volumeName 9|2 volumeNamespace 9|3 fsType 9|4 readOnly 8|5 secretRef core.v1.LocalObjectReference',
  ],
  'core.v1.Sysctl': ['1 name 9|2 value 9'],
  'core.v1.TCPSocketAction': ['1 port intstr.IntOrString|2 host 9'],
  'core.v1.Taint': ['1 key 9|2 value 9|3 effect 9|4 timeAdded meta.v1.Time'],
  'core.v1.Toleration': ['1 key 9|2 operator 9|3 value 9|4 effect 9|5 tolerationSeconds 3'],
  'core.v1.TopologySelectorLabelRequirement': ['1 key 9|2 values 9 *'],
  'core.v1.TopologySelectorTerm': ['1 matchLabelExpressions core.v1.TopologySelectorLabelRequirement *'],
  'core.v1.TopologySpreadConstraint': [
    '1 maxSkew 5|2 topologyKey 9|3 whenUnsatisfiable 9|4 labelSelector meta.v1.LabelSelector|5 minDomains 5|6 nodeAffinityPolicy 9|7 nodeTaintsPolicy 9|8 matchLabelKeys 9 *',
  ],
  'core.v1.TypedLocalObjectReference': ['1 apiGroup 9|2 kind 9|3 name 9'],
  'core.v1.TypedObjectReference': ['1 apiGroup 9|2 kind 9|3 name 9|4 namespace 9'],
  'core.v1.Volume': ['1 name 9|2 volumeSource core.v1.VolumeSource'],
  'core.v1.VolumeDevice': ['1 name 9|2 devicePath 9'],
  'core.v1.VolumeMount': [
    '1 name 9|2 readOnly 8|7 recursiveReadOnly 9|3 mountPath 9|4 subPath 9|5 mountPropagation 9|6 subPathExpr 9',
  ],
  'core.v1.VolumeMountStatus': ['1 name 9|2 mountPath 9|3 readOnly 8|4 recursiveReadOnly 9'],
  'core.v1.VolumeNodeAffinity': ['1 required core.v1.NodeSelector'],
  'core.v1.VolumeProjection': [
    '1 secret core.v1.SecretProjection|2 downwardAPI core.v1.DownwardAPIProjection|3 configMap core.v1.ConfigMapProjection|4 serviceAccountToken core.v1.ServiceAccountTokenProjection|5 clusterTrustBundle core.v1.ClusterTrustBundleProjection',
  ],
  'core.v1.VolumeResourceRequirements.LimitsEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.VolumeResourceRequirements.RequestsEntry': ['M', '1 key 9|2 value resource.Quantity'],
  'core.v1.VolumeResourceRequirements': [
    '1 limits core.v1.VolumeResourceRequirements.LimitsEntry *|2 requests core.v1.VolumeResourceRequirements.RequestsEntry *',
  ],
  'core.v1.VolumeSource': [
    '1 hostPath core.v1.HostPathVolumeSource|2 emptyDir core.v1.EmptyDirVolumeSource|3 gcePersistentDisk core.v1.GCEPersistentDiskVolumeSource|4 awsElasticBlockStore core.v1.AWSElasticBlockStoreVolumeSource|5 gitRepo core.v1.GitRepoVolumeSource|6 secret core.v1.SecretVolumeSource|7 nfs core.v1.NFSVolumeSource|8 iscsi core.v1.ISCSIVolumeSource|9 glusterfs core.v1.GlusterfsVolumeSource|10 persistentVolumeClaim core.v1.PersistentVolumeClaimVolumeSource|11 rbd core.v1.RBDVolumeSource|12 flexVolume core.v1.FlexVolumeSource|13 cinder core.v1.CinderVolumeSource|14 cephfs core.v1.CephFSVolumeSource|15 flocker core.v1.FlockerVolumeSource|16 downwardAPI core.v1.DownwardAPIVolumeSource|17 fc core.v1.FCVolumeSource|18 azureFile core.v1.AzureFileVolumeSource|19 configMap core.v1.ConfigMapVolumeSource|20 vsphereVolume core.v1.VsphereVirtualDiskVolumeSource|21 quobyte core.v1.QuobyteVolumeSource|22 azureDisk core.v1.AzureDiskVolumeSource|23 photonPersistentDisk core.v1.PhotonPersistentDiskVolumeSource|26 projected core.v1.ProjectedVolumeSource|24 portworxVolume core.v1.PortworxVolumeSource|25 scaleIO core.v1.ScaleIOVolumeSource|27 storageos core.v1.StorageOSVolumeSource|28 csi core.v1.CSIVolumeSource|29 ephemeral core.v1.EphemeralVolumeSource|30 image core.v1.ImageVolumeSource',
  ],
  'core.v1.VsphereVirtualDiskVolumeSource': ['1 volumePath 9|2 fsType 9|3 storagePolicyName 9|4 storagePolicyID 9'],
  'core.v1.WeightedPodAffinityTerm': ['1 weight 5|2 podAffinityTerm core.v1.PodAffinityTerm'],
  'core.v1.WindowsSecurityContextOptions': [
    '1 gmsaCredentialSpecName 9|2 gmsaCredentialSpec 9|3 runAsUserName 9|4 hostProcess 8',
  ],
};
