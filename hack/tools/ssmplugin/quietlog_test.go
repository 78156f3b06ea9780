package ssmplugin

import (
	"fmt"

	pluginlog "github.com/aws/session-manager-plugin/src/log"
)

// quietLog satisfies the plugin's log.T without printing: the plugin's own mock
// writes every call to stdout.
type quietLog struct{}

var _ pluginlog.T = quietLog{}

func (quietLog) Tracef(string, ...interface{})              {}
func (quietLog) Debugf(string, ...interface{})              {}
func (quietLog) Infof(string, ...interface{})               {}
func (quietLog) Warnf(f string, p ...interface{}) error     { return fmt.Errorf(f, p...) }
func (quietLog) Errorf(f string, p ...interface{}) error    { return fmt.Errorf(f, p...) }
func (quietLog) Criticalf(f string, p ...interface{}) error { return fmt.Errorf(f, p...) }
func (quietLog) Trace(...interface{})                       {}
func (quietLog) Debug(...interface{})                       {}
func (quietLog) Info(...interface{})                        {}
func (quietLog) Warn(v ...interface{}) error                { return fmt.Errorf("%v", v...) }
func (quietLog) Error(v ...interface{}) error               { return fmt.Errorf("%v", v...) }
func (quietLog) Critical(v ...interface{}) error            { return fmt.Errorf("%v", v...) }
func (quietLog) Flush()                                     {}
func (quietLog) Close()                                     {}
func (q quietLog) WithContext(...string) pluginlog.T        { return q }
