-- Gives each request the next line of a file, placed in the body or in a header.
--
--   wrk -s lines.lua URL -- FILE MODE METHOD PLACE TEMPLATE [CONTENT_TYPE [FIELD]]
--
-- FILE          values, one per line
-- MODE          "cycle" starts again after the last line. "once" sends each
--               line once, and a thread with no lines left stops; its last
--               request may then go out a second time, and report.lua counts
--               the thread as exhausted. "recycle" is "once", and also takes
--               the string value of FIELD from each 2xx JSON response as a
--               new line to send later.
-- METHOD        HTTP method, such as GET or POST
-- PLACE         "body", or the name of the header that carries the value
-- TEMPLATE      text in which %s is replaced by the line, such as "Bearer %s"
-- CONTENT_TYPE  Content-Type header of the body, or "-" for none
-- FIELD         the JSON field that "recycle" reads, such as refresh_token
--
-- With n threads, thread i takes lines i, i + n, i + 2n and so on, so no two
-- threads send the same line. Each thread formats the requests of the file
-- before it sends the first one, so the request loop only looks them up.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local options = nil
local prepared = nil
local position = 0

-- Lines taken from responses in recycle mode, first in, first out.
local recycled = {}
local recycled_head = 1
local recycled_tail = 0

-- setup() in report.lua numbers the threads; this sets the thread total in each of them.
local report_setup = setup
function setup(thread)
   report_setup(thread)
   for _, each in ipairs(bench_threads) do
      each:set("thread_count", #bench_threads)
   end
end

local function recycle(status, headers, body)
   if status < 200 or status > 299 or body == nil then
      return
   end
   local value = body:match(options.field_pattern)
   if value then
      recycled_tail = recycled_tail + 1
      recycled[recycled_tail] = value
   end
end

function init(args)
   -- wrk passes the URL as args[0] and the words after "--" from args[1] on.
   options = {
      file = args[1],
      mode = args[2],
      method = args[3],
      place = args[4],
      template = args[5],
      content_type = args[6],
      field = args[7],
   }
   if not (options.file and options.mode and options.method and options.place and options.template) then
      error("lines.lua needs: FILE MODE METHOD PLACE TEMPLATE [CONTENT_TYPE [FIELD]]")
   end
   if options.content_type == "-" then
      options.content_type = nil
   end

   if options.mode == "recycle" then
      if not options.field then
         error("lines.lua: recycle mode needs FIELD")
      end
      options.field_pattern = '"' .. options.field .. '"%s*:%s*"([^"]+)"'
      -- wrk reads response bodies only when this global is set after init().
      response = recycle
   elseif options.mode ~= "cycle" and options.mode ~= "once" then
      error("lines.lua: MODE must be cycle, once or recycle, not " .. options.mode)
   end
end

local function fill(template, line)
   -- A function replacement keeps any % in the line literal.
   return (template:gsub("%%s", function() return line end))
end

local function format_request(line)
   local headers = {}
   for name, value in pairs(wrk.headers) do
      headers[name] = value
   end

   local body = nil
   if options.place == "body" then
      body = fill(options.template, line)
      if options.content_type then
         headers["Content-Type"] = options.content_type
      end
   else
      headers[options.place] = fill(options.template, line)
   end
   return wrk.format(options.method, nil, headers, body)
end

local function prepare()
   local handle, message = io.open(options.file, "r")
   if not handle then
      error("lines.lua cannot open " .. options.file .. ": " .. tostring(message))
   end

   local index = thread_index or 0
   local count = thread_count or 1
   prepared = {}
   local number = 0
   for line in handle:lines() do
      if line ~= "" then
         if number % count == index then
            table.insert(prepared, format_request(line))
         end
         number = number + 1
      end
   end
   handle:close()

   if #prepared == 0 then
      error("lines.lua: no lines for thread " .. index .. " in " .. options.file)
   end
end

local function next_recycled()
   if recycled_head > recycled_tail then
      return nil
   end
   local line = recycled[recycled_head]
   recycled[recycled_head] = nil
   recycled_head = recycled_head + 1
   return format_request(line)
end

function request()
   if prepared == nil then
      prepare()
   end

   if position < #prepared then
      position = position + 1
      return prepared[position]
   end
   if options.mode == "cycle" then
      position = 1
      return prepared[position]
   end

   local from_response = options.mode == "recycle" and next_recycled()
   if from_response then
      return from_response
   end

   -- done() in report.lua counts the threads that ran out. The request
   -- returned here may still go out before the thread stops, so a run that
   -- ran out of lines is reported as failed.
   lines_exhausted = true
   wrk.thread:stop()
   return prepared[#prepared]
end
