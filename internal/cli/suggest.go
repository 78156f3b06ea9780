package cli

import "context"

func suggestCommand(ctx context.Context, args []string, s *streams) int {
	return usageError(s, "suggest", errNotYet)
}
