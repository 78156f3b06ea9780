package cli

import "context"

func diagnoseCommand(ctx context.Context, args []string, s *streams) int {
	return usageError(s, "diagnose", errNotYet)
}
