/**
 * Every decision about a plan is one Lua script, so two approvers clicking at once, a double
 * click, or an approval racing a newer plan can never interleave: Redis runs a script whole.
 * Keys: 1 = plan hash, 2 = approvers set, 3 = the stack's latest-plan pointer.
 */

/**
 * ARGV: plan id, subject, now (ms), approvals required, requester may approve (1/0), people
 * (JSON: account → person; an account not in it is a person of its own). Four eyes and the
 * count are per person, decided here with the approvals already recorded: one human with two
 * chat accounts neither approves their own plan nor counts twice.
 */
export const APPROVE = `
if redis.call('exists', KEYS[1]) == 0 then return {'missing', ''} end
local state = redis.call('hget', KEYS[1], 'state')
if state == 'rejected' then return {'rejected', redis.call('hget', KEYS[1], 'decidedBy') or ''} end
if state ~= 'pending' then return {state, redis.call('hget', KEYS[1], 'applyJob') or ''} end
local latest = redis.call('get', KEYS[3])
if latest and latest ~= ARGV[1] then return {'superseded', latest} end
if tonumber(ARGV[3]) > tonumber(redis.call('hget', KEYS[1], 'expires')) then return {'expired', ''} end
local people = cjson.decode(ARGV[6])
local function person(s) return people[s] or s end
local me = person(ARGV[2])
local requester = redis.call('hget', KEYS[1], 'requesterSubject')
if ARGV[5] ~= '1' and person(requester) == me then return {'own', requester} end
local seen = {}
local n = 0
local mine = nil
for _, s in ipairs(redis.call('smembers', KEYS[2])) do
  local p = person(s)
  if p == me then mine = s end
  if not seen[p] then seen[p] = true; n = n + 1 end
end
if mine then return {'already', tostring(n), mine} end
redis.call('sadd', KEYS[2], ARGV[2])
redis.call('pexpire', KEYS[2], redis.call('pttl', KEYS[1]))
n = n + 1
if n >= tonumber(ARGV[4]) then
  redis.call('hset', KEYS[1], 'state', 'approved')
  return {'start', tostring(n)}
end
return {'recorded', tostring(n)}
`;

/** ARGV: subject. Only a pending plan can be rejected. */
export const REJECT = `
if redis.call('exists', KEYS[1]) == 0 then return {'missing', ''} end
local state = redis.call('hget', KEYS[1], 'state')
if state ~= 'pending' then return {state, redis.call('hget', KEYS[1], 'decidedBy') or ''} end
redis.call('hset', KEYS[1], 'state', 'rejected', 'decidedBy', ARGV[1])
return {'rejected', ARGV[1]}
`;

/** ARGV: plan id, job id. The apply job takes an approved plan exactly once. */
export const CLAIM = `
if redis.call('exists', KEYS[1]) == 0 then return {'missing', ''} end
local state = redis.call('hget', KEYS[1], 'state')
if state ~= 'approved' then return {state, redis.call('hget', KEYS[1], 'applyJob') or ''} end
local latest = redis.call('get', KEYS[3])
if latest and latest ~= ARGV[1] then
  redis.call('hset', KEYS[1], 'state', 'superseded')
  return {'superseded', latest}
end
redis.call('hset', KEYS[1], 'state', 'applying', 'applyJob', ARGV[2])
return {'applying', ARGV[2]}
`;

/** An approved plan whose apply could not start goes back to pending; approvals are asked again. */
export const RELEASE = `
if redis.call('hget', KEYS[1], 'state') ~= 'approved' then return 0 end
redis.call('hset', KEYS[1], 'state', 'pending')
redis.call('hdel', KEYS[1], 'applyJob')
redis.call('del', KEYS[2])
return 1
`;
