-- Argo CD health of connectivity.ecscheck.dev/ECSConnectivityCheck.
--
--   Suspended    spec.suspend is true
--   Progressing  the controller has not finished a run for the current
--                generation: observedGeneration behind, Reconciling, or
--                Ready missing, Unknown or stamped with an older generation
--   Degraded     Stalled, or Ready False: targets not as expected (named,
--                with their reasons) or a probe that cannot run
--   Healthy      Ready True for the current generation
--
-- Argo CD runs custom health scripts without the string library: this one
-- uses only the base and table libraries.

local hs = {}

local function condition(status, type)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function gen(value)
  if value == nil then
    return 0
  end
  return tonumber(value) or 0
end

-- "sns-https Unreachable (ConnectionTimedOut; InterfaceEndpointSecurityGroupDenied on sg-0e1f)"
local function failingTargets(status)
  local out = {}
  if status.targets == nil then
    return out
  end
  for _, t in ipairs(status.targets) do
    if t.asExpected ~= true then
      local why = tostring(t.reason or "Unknown")
      local f = nil
      if t.findings ~= nil then
        f = t.findings[1]
      end
      if f ~= nil then
        if f.code ~= nil and f.code ~= t.reason then
          why = why .. "; " .. tostring(f.code)
        end
        if f.resource ~= nil and f.resource ~= "" then
          why = why .. " on " .. tostring(f.resource)
        end
      end
      table.insert(out, tostring(t.name) .. " " .. tostring(t.result or "Unknown") .. " (" .. why .. ")")
    end
  end
  return out
end

local generation = gen(obj.metadata.generation)
local status = obj.status or {}

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Probing is suspended (spec.suspend)"
  if status.summary ~= nil then
    hs.message = hs.message .. "; last result: " .. status.summary .. " targets as expected"
  end
  return hs
end

if gen(status.observedGeneration) < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for a run of generation " .. generation
  local reconciling = condition(status, "Reconciling")
  if reconciling ~= nil and reconciling.status == "True" and reconciling.message ~= nil then
    hs.message = hs.message .. ": " .. reconciling.message
  end
  return hs
end

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = "Stalled (" .. tostring(stalled.reason) .. "): " .. tostring(stalled.message)
  return hs
end

local reconciling = condition(status, "Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = tostring(reconciling.message or reconciling.reason)
  return hs
end

local ready = condition(status, "Ready")
if ready == nil or gen(ready.observedGeneration) < generation or ready.status == "Unknown" then
  hs.status = "Progressing"
  if ready ~= nil and ready.message ~= nil then
    hs.message = ready.message
  else
    hs.message = "Waiting for the first probe run"
  end
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = tostring(ready.message)
  return hs
end

hs.status = "Degraded"
local failing = failingTargets(status)
if ready.reason == "TargetsNotAsExpected" and #failing > 0 then
  hs.message = #failing .. " of " .. #status.targets .. " targets not as expected: " .. table.concat(failing, ", ")
else
  -- The probe cannot run; target results are the last known ones.
  hs.message = tostring(ready.reason) .. ": " .. tostring(ready.message)
  if #failing > 0 then
    hs.message = hs.message .. "; last known: " .. table.concat(failing, ", ")
  end
end
return hs
