// Package argocd holds the Argo CD health assessment of ECSConnectivityCheck
// (health.lua, laid out like a directory of Argo CD's
// resource_customizations: health.lua, health_test.yaml, testdata/) and runs
// it the way Argo CD does, so that tests exercise the script in the same
// Lua engine (github.com/yuin/gopher-lua) with the same libraries.
//
// Install: add argocd-cm.yaml's key to the argocd-cm ConfigMap.
package argocd

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// HealthLua is the health script.
//
//go:embed health.lua
var HealthLua string

// ConfigMapKey is the argocd-cm key Argo CD reads the script from.
const ConfigMapKey = "resource.customizations.health.connectivity.ecscheck.dev_ECSConnectivityCheck"

// HealthStatus is what Argo CD shows: its health.HealthStatus fields.
type HealthStatus struct {
	Status  string `json:"status" yaml:"status"`
	Message string `json:"message,omitempty" yaml:"message,omitempty"`
}

// The statuses Argo CD accepts from a script; any other becomes Unknown.
var validStatuses = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true}

// Assess runs script on obj (an object as the API server returns it,
// decoded from JSON) as Argo CD runs a health script from argocd-cm: no
// standard libraries but package, base and table (argocd-cm scripts do not
// get the others unless useOpenLibs is set), obj as a global converted to
// Lua tables, one second to finish, and the returned table read as
// {status, message}.
func Assess(script string, obj map[string]any) (HealthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return HealthStatus{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return HealthStatus{}, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return HealthStatus{}, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	hs := HealthStatus{Status: lua.LVAsString(ret.RawGetString("status")), Message: lua.LVAsString(ret.RawGetString("message"))}
	if !validStatuses[hs.Status] {
		return HealthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return hs, nil
}

// toLua converts a decoded JSON value as Argo CD does: maps to tables,
// slices to sequences from 1, numbers (float64 from encoding/json, int64
// from the API machinery) to numbers.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for k, item := range v {
			t.RawSetH(lua.LString(k), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}
