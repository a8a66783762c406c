-- wrk script: each request carries its own token (a service refuses a token used twice).
-- Usage: wrk -s bench/one_token_per_request.lua URL -- TOKENS_FILE
-- TOKENS_FILE holds one token per line; wrk's threads take every n-th line from their own
-- start, so no two requests share one.
local threads = 0

function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end

function init(args)
  tokens, step = {}, 2
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  next_index = first + 1
end

function request()
  local token = tokens[next_index] or "used-up"
  next_index = next_index + step
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. token })
end
