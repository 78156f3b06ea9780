package probe

import "github.com/ecscheck/ecscheck/internal/awstext"

// Denial is what an AccessDenied message said to an awsAPI target; the
// text is read by awstext.ParseAccessDenied, which diagnosis reads it with
// too.
type Denial = awstext.Denial
