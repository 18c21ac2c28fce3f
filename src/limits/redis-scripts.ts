// The limiter's Lua scripts. Each runs atomically inside Redis, reads the clock there (TIME), so replicas with
// skewed clocks still share one exact window. src/limits/memory-backend.ts implements the same semantics.
//
// Sliding windows are sorted sets scored by time: rpm members are request ids, tpm members are "id:tokens" with
// a running sum beside them; concurrency members are leases scored by their expiry. A budget is an integer
// counter of nano-USD per period. An admitted request leaves a reservation marker that its settle consumes, so
// a settle retried after a timeout is applied once.

/**
 * KEYS: reservation, key versions, then per window: rpm → log; tpm → log, sum; concurrency → leases;
 * then one counter per budget.
 * ARGV: id, tokens, costNano, windowMs, leaseMs, holdMs, keyId ('' for none), keyVersion, keyExpiresAt,
 * nWindows, (kind r|t|c, limit)…, nBudgets, (limitNano, resetAt)…
 * Reply: {'ok', {limit, remaining, resetMs}…, {spentNano…}} | {'no', reason, checkIndex, limit, retryMs, {…}} |
 * {'revoked'} | {'stale'} | {'expired'}
 */
export const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, tokens, cost = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local win, lease, hold = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if ARGV[7] ~= '' then
  local v = redis.call('HGET', KEYS[2], ARGV[7])
  if not v then return {'revoked'} end
  if v ~= ARGV[8] then return {'stale'} end
  local exp = tonumber(ARGV[9])
  if exp > 0 and now >= exp then return {'expired'} end
end

local rank = {budget = 1, too_large = 2, concurrency = 3, rpm = 4, tpm = 5}
local fail, failRank, failIdx, failLimit, failRetry = nil, 99, 0, 0, -1
local function reject(reason, idx, limit, retry)
  local r = rank[reason]
  if r < failRank then
    fail, failRank, failIdx, failLimit, failRetry = reason, r, idx, limit, retry
  elseif r == failRank and retry > failRetry then
    failRetry = retry
  end
end
local function amount(member)
  return tonumber(string.match(member, ':(%d+)$'))
end
-- Time until enough of the oldest token entries leave for need more to fit.
local function waitFor(z, used, need, limit)
  local total, start = used, 0
  while true do
    local batch = redis.call('ZRANGE', z, start, start + 99, 'WITHSCORES')
    if #batch == 0 then return win end
    for j = 1, #batch, 2 do
      total = total - amount(batch[j])
      if total + need <= limit then return tonumber(batch[j + 1]) + win - now end
    end
    start = start + 100
  end
end

local states, plan = {}, {}
local a, k = 11, 3
local nw = tonumber(ARGV[10])
for i = 1, nw do
  local kind, limit = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  local z = KEYS[k]
  k = k + 1
  if kind == 'c' then
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
    local held = redis.call('ZCARD', z)
    if held + 1 > limit then reject('concurrency', i, limit, 1000) end
    states[i] = {limit, math.max(0, limit - held - 1), 0}
    plan[i] = {kind, z}
  else
    local used, s
    if kind == 'r' then
      redis.call('ZREMRANGEBYSCORE', z, '-inf', now - win)
      used = redis.call('ZCARD', z)
    else
      s = KEYS[k]
      k = k + 1
      used = tonumber(redis.call('GET', s) or '0')
      local old = redis.call('ZRANGEBYSCORE', z, '-inf', now - win)
      if #old > 0 then
        local gone = 0
        for _, m in ipairs(old) do gone = gone + amount(m) end
        redis.call('ZREMRANGEBYSCORE', z, '-inf', now - win)
        used = redis.call('DECRBY', s, gone)
      end
    end
    local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
    if s and used ~= 0 and not first[2] then
      -- An empty log means nothing counts, whatever a drifted sum says.
      redis.call('DEL', s)
      used = 0
    end
    local need = tokens
    if kind == 'r' then need = 1 end
    local reset = win
    if first[2] then reset = tonumber(first[2]) + win - now end
    if need > limit then
      reject('too_large', i, limit, -1)
    elseif used + need > limit then
      if kind == 'r' then reject('rpm', i, limit, reset) else reject('tpm', i, limit, waitFor(z, used, need, limit)) end
    end
    states[i] = {limit, math.max(0, limit - used - need), reset}
    plan[i] = {kind, z, s}
  end
end

local nb = tonumber(ARGV[a])
a = a + 1
local spent, budgets = {}, {}
for j = 1, nb do
  local limit, resetAt = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local b = KEYS[k]
  k = k + 1
  local cur = tonumber(redis.call('GET', b) or '0')
  spent[j] = cur
  budgets[j] = {b, resetAt}
  if cur >= limit then
    local retry = -1
    if resetAt > 0 then retry = resetAt - now end
    reject('budget', nw + j, limit, retry)
  end
end
if fail then return {'no', fail, failIdx, failLimit, failRetry, states} end

for i = 1, nw do
  local p = plan[i]
  if p[1] == 'r' then
    redis.call('ZADD', p[2], now, id)
    redis.call('PEXPIRE', p[2], win + 1000)
  elseif p[1] == 't' then
    if tokens > 0 then
      redis.call('ZADD', p[2], now, id .. ':' .. ARGV[2])
      redis.call('INCRBY', p[3], tokens)
      redis.call('PEXPIRE', p[2], win + 1000)
      redis.call('PEXPIRE', p[3], win + 1000)
    end
  else
    redis.call('ZADD', p[2], now + lease, id)
    redis.call('PEXPIRE', p[2], lease + 1000)
  end
end
for j = 1, nb do
  if cost > 0 then
    redis.call('INCRBY', budgets[j][1], ARGV[3])
    if budgets[j][2] > 0 then redis.call('PEXPIREAT', budgets[j][1], budgets[j][2] + 60000) end
  end
end
redis.call('SET', KEYS[1], '1', 'PX', hold)
return {'ok', states, spent}
`

/**
 * KEYS: reservation, then per window: tpm → log, sum; concurrency → leases (rpm windows have none);
 * then one counter per budget; then the hourly and daily usage hashes.
 * ARGV: id, mode (r: reconcile a reservation | a: add the full amounts | u: usage only), reservedTokens, actualTokens,
 * reservedCostNano, actualCostNano, windowMs, doneMarkerMs, nWindows, kind (t|c)…, nBudgets, resetAt…,
 * usageFieldPrefix, hourTtlSeconds, dayTtlSeconds, (metric, value)…
 * Reply: 1 applied, 0 already applied (a retry) or the reservation is gone.
 */
export const SETTLE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
local reserved, actual = tonumber(ARGV[3]), tonumber(ARGV[4])
local win = tonumber(ARGV[7])
local marker = ARGV[2] ~= 'u' and redis.call('GET', KEYS[1])
local reconcile
if ARGV[2] == 'u' then
  reconcile = false
elseif ARGV[2] == 'r' then
  if marker ~= '1' then return 0 end
  reconcile = true
  redis.call('DEL', KEYS[1])
else
  -- Admitted elsewhere while this store was unreachable; the admission may still have landed here.
  if marker == 'd' then return 0 end
  reconcile = marker == '1'
  redis.call('SET', KEYS[1], 'd', 'PX', ARGV[8])
end

local k, a = 2, 10
local nw = tonumber(ARGV[9])
for i = 1, nw do
  local kind = ARGV[a]
  a = a + 1
  if kind == 't' then
    local z, s = KEYS[k], KEYS[k + 1]
    k = k + 2
    local delta = 0
    if reconcile then
      local member = id .. ':' .. ARGV[3]
      local score = redis.call('ZSCORE', z, member)
      if score then
        redis.call('ZREM', z, member)
        if actual > 0 then redis.call('ZADD', z, score, id .. ':' .. ARGV[4]) end
        delta = actual - reserved
      elseif actual > reserved then
        -- The reservation already left the window (a long stream): what it underestimated counts from now.
        redis.call('ZADD', z, now, id .. '+:' .. (actual - reserved))
        delta = actual - reserved
      end
    elseif actual > 0 then
      redis.call('ZADD', z, now, id .. ':' .. ARGV[4])
      delta = actual
    end
    if delta ~= 0 then
      redis.call('INCRBY', s, delta)
      redis.call('PEXPIRE', z, win + 1000)
      redis.call('PEXPIRE', s, win + 1000)
    end
  else
    redis.call('ZREM', KEYS[k], id)
    k = k + 1
  end
end

local nb = tonumber(ARGV[a])
a = a + 1
local cost = tonumber(ARGV[6])
if reconcile then cost = cost - tonumber(ARGV[5]) end
for j = 1, nb do
  local resetAt = tonumber(ARGV[a])
  a = a + 1
  if cost ~= 0 then
    redis.call('INCRBY', KEYS[k], cost)
    if resetAt > 0 then redis.call('PEXPIREAT', KEYS[k], resetAt + 60000) end
  end
  k = k + 1
end

local field = ARGV[a]
local hourTtl, dayTtl = ARGV[a + 1], ARGV[a + 2]
a = a + 3
local hk, dk = KEYS[k], KEYS[k + 1]
while ARGV[a] do
  if ARGV[a + 1] ~= '0' then
    redis.call('HINCRBY', hk, field .. ARGV[a], ARGV[a + 1])
    redis.call('HINCRBY', dk, field .. ARGV[a], ARGV[a + 1])
  end
  a = a + 2
end
redis.call('EXPIRE', hk, hourTtl)
redis.call('EXPIRE', dk, dayTtl)
return 1
`

/** KEYS: lease sets; ARGV: leaseMs, then the lease id for each key. Extends leases, never re-creates a released one. */
export const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 1, #KEYS do
  if redis.call('ZADD', KEYS[i], 'XX', 'CH', now + lease, ARGV[i + 1]) == 1 then
    redis.call('PEXPIRE', KEYS[i], lease + 1000)
  end
end
return 1
`
