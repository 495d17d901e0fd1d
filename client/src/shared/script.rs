//! The two server-side scripts that keep the fleet's rolling log. Each touches only keys that
//! share one hash tag (`certcentral:pacing:{<hash>}:…`), so on Redis Cluster all of them live in
//! one slot, as a script requires.
//!
//! Keys: `log` (a sorted set: request id → the time from which it counts for one window; while
//! a request is in flight, the time its hold ends), `meta` (a hash: the log's epoch, the barrier
//! after a restart) and `queue` (a sorted set: waiting request id → when it is due back).

/// `ACQUIRE(log, meta, queue; id, hold, known epoch, slack, max₁, window₁, max₂, window₂, …)`:
/// takes a slot for `id` if every window has room for it and for every waiter queued before
/// it; else queues it and answers how long until its turn (ms) and why: `barrier`, `window:I`
/// (window I frees a place then: exact), `in_flight:I` (a request still in flight fills window
/// I: it frees a window after its answer, so not before a window from now) or `queue:I` (more
/// waiters than window I holds: not before a window after the turn of the waiter `max` places
/// ahead).
///
/// The queue is what keeps Redis calls per order small however many orders wait: each waiter
/// is given its own turn (the time the place it will take frees), not the time the next place
/// frees, which every waiter would otherwise come back for at once. A waiter that does not
/// come back within a second of its turn (a cancelled order, a dead worker) leaves the queue.
///
/// After a restart that emptied the log, the first caller that knew the old log holds the
/// fleet for one window (a barrier), since what was sent before the restart is unknown.
pub(super) const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local grace = 1000
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[2], 'epoch', epoch)
end
local longest = 0
local windows = {}
for i = 5, #ARGV, 2 do
  local w = tonumber(ARGV[i + 1]) + tonumber(ARGV[4])
  table.insert(windows, {tonumber(ARGV[i]), w})
  if w > longest then longest = w end
end
if ARGV[3] ~= '' and ARGV[3] ~= epoch and not redis.call('HGET', KEYS[2], 'barrier') then
  redis.call('HSET', KEYS[2], 'barrier', now + longest)
end
local barrier = tonumber(redis.call('HGET', KEYS[2], 'barrier') or '0')
if barrier > now then return {barrier - now, epoch, 'barrier'} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - grace)
local due = redis.call('ZSCORE', KEYS[3], ARGV[1])
local ahead
if due then
  ahead = redis.call('ZCOUNT', KEYS[3], '-inf', '(' .. due)
else
  ahead = redis.call('ZCARD', KEYS[3])
end
local wait = 0
local why = ''
for i, win in ipairs(windows) do
  local inside = redis.call('ZCOUNT', KEYS[1], '(' .. (now - win[2]), '+inf')
  local rank = inside + ahead - win[1]
  if rank >= 0 then
    local free
    local reason
    if rank >= inside then
      -- Past the log's end: the place frees a window after the waiter `max` places ahead
      -- leaves, which is not before its turn.
      local before = redis.call('ZRANGE', KEYS[3], rank - inside, rank - inside, 'WITHSCORES')
      local turn = tonumber(before[2] or now)
      free = math.max(turn + win[2] - now, math.floor(win[2] / 10) + 1)
      reason = 'queue:' .. i
    else
      local leaving = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - win[2]), '+inf',
        'WITHSCORES', 'LIMIT', rank, 1)
      local at = tonumber(leaving[2])
      if at > now then
        free = win[2]
        reason = 'in_flight:' .. i
      else
        free = at + win[2] - now
        reason = 'window:' .. i
      end
    end
    if free > wait then
      wait = free
      why = reason
    end
  end
end
if wait > 0 then
  redis.call('ZADD', KEYS[3], now + wait, ARGV[1])
  redis.call('PEXPIRE', KEYS[3], wait + grace + longest)
  return {wait, epoch, why}
end
redis.call('ZREM', KEYS[3], ARGV[1])
local hold = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + hold, ARGV[1])
redis.call('PEXPIRE', KEYS[1], hold + longest)
return {0, epoch, ''}
";

/// `FINISH(log; id)`: the request was answered: it counts from now, for one window.
pub(super) const FINISH: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
";
