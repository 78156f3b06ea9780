package v1alpha1

// FindingCode names one kind of problem in the diagnosis catalogue.
type FindingCode string

// Network path.
const (
	FindingSecurityGroupEgressDenied            FindingCode = "SecurityGroupEgressDenied"
	FindingNetworkACLEgressDenied               FindingCode = "NetworkACLEgressDenied"
	FindingNetworkACLReturnTrafficDenied        FindingCode = "NetworkACLReturnTrafficDenied"
	FindingNoRouteToDestination                 FindingCode = "NoRouteToDestination"
	FindingRouteBlackhole                       FindingCode = "RouteBlackhole"
	FindingPublicIPRequired                     FindingCode = "PublicIPRequired"
	FindingInterfaceEndpointSecurityGroupDenied FindingCode = "InterfaceEndpointSecurityGroupDenied"
	FindingInterfaceEndpointPrivateDNSDisabled  FindingCode = "InterfaceEndpointPrivateDNSDisabled"
	FindingVPCDNSDisabled                       FindingCode = "VPCDNSDisabled"
	FindingMissingVPCEndpoint                   FindingCode = "MissingVPCEndpoint"
	FindingGatewayEndpointNotAssociated         FindingCode = "GatewayEndpointNotAssociated"
	FindingTargetSecurityGroupInboundDenied     FindingCode = "TargetSecurityGroupInboundDenied"
	// FindingNetworkACLIngressDenied: the destination subnet's network ACL
	// drops the inbound request (a destination in another subnet of the VPC).
	FindingNetworkACLIngressDenied FindingCode = "NetworkACLIngressDenied"
)

// Permissions. The AccessDenied* codes are also target reasons.
const (
	FindingAccessDeniedNoIdentityPolicy       FindingCode = "AccessDeniedNoIdentityPolicy"
	FindingAccessDeniedExplicitIdentityPolicy FindingCode = "AccessDeniedExplicitIdentityPolicy"
	FindingAccessDeniedVPCEndpointPolicy      FindingCode = "AccessDeniedVPCEndpointPolicy"
	FindingAccessDeniedServiceControlPolicy   FindingCode = "AccessDeniedServiceControlPolicy"
	FindingAccessDeniedPermissionsBoundary    FindingCode = "AccessDeniedPermissionsBoundary"
	FindingAccessDeniedResourcePolicy         FindingCode = "AccessDeniedResourcePolicy"
	FindingAccessDeniedSessionPolicy          FindingCode = "AccessDeniedSessionPolicy"
	FindingExecutionRoleMissingPermission     FindingCode = "ExecutionRoleMissingPermission"
	FindingEndpointPolicyBlocksECRLayers      FindingCode = "EndpointPolicyBlocksECRLayers"
)

// ECS Exec prerequisites.
const (
	FindingExecNotEnabled                 FindingCode = "ExecNotEnabled"
	FindingExecAgentNotRunning            FindingCode = "ExecAgentNotRunning"
	FindingTaskRoleMissingSSMMessages     FindingCode = "TaskRoleMissingSSMMessages"
	FindingNoPathToSSMMessages            FindingCode = "NoPathToSSMMessages"
	FindingReadonlyRootFilesystem         FindingCode = "ReadonlyRootFilesystem"
	FindingInitProcessDisabled            FindingCode = "InitProcessDisabled"
	FindingPlatformVersionTooOld          FindingCode = "PlatformVersionTooOld"
	FindingControllerExecuteCommandDenied FindingCode = "ControllerExecuteCommandDenied"
	// FindingTaskRoleMissingExecKMS: the cluster encrypts ECS Exec sessions
	// with a KMS key (executeCommandConfiguration.kmsKeyId) and the task
	// role may not kms:Decrypt it.
	FindingTaskRoleMissingExecKMS FindingCode = "TaskRoleMissingExecKMS"
	// FindingControllerMissingExecKMS: the controller's identity, which
	// opens the session, may not kms:GenerateDataKey with the cluster's key.
	FindingControllerMissingExecKMS FindingCode = "ControllerMissingExecKMS"
	// FindingNoPathToKMS: the task has no network path to KMS, which the
	// agent calls to decrypt the session key.
	FindingNoPathToKMS FindingCode = "NoPathToKMS"
	// FindingTaskRoleMissingExecLogging: the cluster logs ECS Exec sessions
	// (logging DEFAULT with awslogs, or OVERRIDE) and the task role lacks
	// the CloudWatch Logs or S3 actions to write them.
	FindingTaskRoleMissingExecLogging FindingCode = "TaskRoleMissingExecLogging"
)

// Task start: stop codes of the probe's and the service's tasks.
const (
	FindingCannotPullContainer      FindingCode = "CannotPullContainer"
	FindingResourceInitialization   FindingCode = "ResourceInitialization"
	FindingEssentialContainerExited FindingCode = "EssentialContainerExited"
	FindingELBHealthCheckFailed     FindingCode = "ELBHealthCheckFailed"
	// FindingSubnetNoFreeAddresses: a task's network interface could not
	// be created because its subnet has no free IP address.
	FindingSubnetNoFreeAddresses FindingCode = "SubnetNoFreeAddresses"
)

// Task start: RunTask failures[] reasons, reported when retries are exhausted.
const (
	FindingRunTaskAgent     FindingCode = "RunTaskFailedAgent"
	FindingRunTaskResource  FindingCode = "RunTaskFailedResource"
	FindingRunTaskAttribute FindingCode = "RunTaskFailedAttribute"
	FindingRunTaskMissing   FindingCode = "RunTaskFailedMissing"
	// FindingRunTaskCapacityUnavailable: Fargate had no capacity ("Capacity
	// is unavailable at this time..."); it passes.
	FindingRunTaskCapacityUnavailable FindingCode = "RunTaskCapacityUnavailable"
	// FindingRunTaskQuotaExceeded: an account quota (Fargate vCPUs, tasks)
	// refused the task; retrying does not help.
	FindingRunTaskQuotaExceeded FindingCode = "RunTaskQuotaExceeded"
	// FindingRunTaskFailed: any other failures[] reason, quoted.
	FindingRunTaskFailed FindingCode = "RunTaskFailed"
)
