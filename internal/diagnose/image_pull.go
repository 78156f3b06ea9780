package diagnose

import (
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
)

// What pulling an image needs beyond the endpoints of its services: the S3
// endpoint's policy must let ECR's layers through, and images outside ECR
// need the internet.

// checkLayerPolicy: ECR keeps image layers in an S3 bucket; an S3 endpoint
// policy that does not allow it breaks every pull through the endpoint.
func (p *pathEval) checkLayerPolicy(subnet string, cs []Container) {
	for _, ct := range cs {
		_, reg, _, ok := ecrRepo(ct.Image)
		if !ok {
			continue
		}
		bucket := awsclient.ARN(reg, "s3", "", "prod-"+reg+"-starport-layer-bucket/*", true)
		var eps []*ec2types.VpcEndpoint
		if assoc, _ := p.associatedGateway(subnet, "s3"); assoc != nil {
			eps = append(eps, assoc)
		}
		for _, ep := range p.endpointsFor("s3", ec2types.VpcEndpointTypeInterface) {
			if p.privateDNSWorks(ep) {
				eps = append(eps, ep)
			}
		}
		for _, ep := range eps {
			id := aws.ToString(ep.VpcEndpointId)
			v := endpointVerdict(ep, denial{action: "s3:GetObject", resource: strings.TrimSuffix(bucket, "*") + "layer"}, "")
			if v.decision != decExplicitDeny && v.decision != decImplicitDeny {
				continue
			}
			what := "allows no s3:GetObject on " + bucket
			if v.decision == decExplicitDeny {
				what = "denies s3:GetObject on " + bucket + " (" + denyList(v.denies) + ")"
			}
			p.out.add("", v1alpha1.FindingEndpointPolicyBlocksECRLayers, id,
				"The policy of S3 endpoint %s %s, the bucket where ECR keeps image layers, so pulling %s through it fails with CannotPullContainerError. Add {\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"%s\"} to the endpoint policy: aws ec2 modify-vpc-endpoint --vpc-endpoint-id %s --policy-document file://policy.json.",
				id, what, ct.Image, bucket, id)
		}
	}
}

// checkInternetForImages: images outside ECR (Docker Hub, public ECR) are
// pulled from the internet, which no VPC endpoint replaces.
func (p *pathEval) checkInternetForImages(subnet string, imgs []string) {
	in := internetOf(p.st, subnet, p.n.AssignPublicIP)
	if in.ok || in.unknown {
		return
	}
	label := "the registry of " + joinList(imgs)
	p.explainNoInternet(subnet, in, label)
	if in.def == nil {
		rtID := aws.ToString(in.rt.RouteTableId)
		p.out.add("", v1alpha1.FindingNoRouteToDestination, rtID,
			"Image %s is pulled from the internet, but route table %s of %s has no 0.0.0.0/0 route, and no VPC endpoint serves registries outside ECR. Add a 0.0.0.0/0 route to a NAT gateway, or copy the image into ECR (ECR pull-through cache) and pull it through the ECR endpoints.",
			joinList(imgs), rtName(in.rt, in.explicit), subnet)
	}
}
