-- Gives each request the next line of a file, placed in the body or in a header.
--
--   wrk -s lines.lua URL -- FILE MODE METHOD PLACE TEMPLATE [CONTENT_TYPE]
--
-- FILE          values, one per line
-- MODE          "cycle" starts again after the last line; "once" sends every
--               line at most once, and a thread with no lines left stops
-- METHOD        HTTP method, such as GET or POST
-- PLACE         "body", or the name of the header that carries the value
-- TEMPLATE      text in which %s is replaced by the line, such as "Bearer %s"
-- CONTENT_TYPE  Content-Type header of the body, when there is one
--
-- With n threads, thread i takes lines i, i + n, i + 2n and so on, so no two
-- threads send the same line. Each thread formats all its requests before it
-- sends the first one, so the request loop only looks them up.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local options = nil
local prepared = nil
local position = 0

-- setup() in report.lua numbers the threads; this tells each of them the total.
local report_setup = setup
function setup(thread)
   report_setup(thread)
   for _, each in ipairs(bench_threads) do
      each:set("thread_count", #bench_threads)
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
   }
   if not (options.file and options.mode and options.method and options.place and options.template) then
      error("lines.lua needs: FILE MODE METHOD PLACE TEMPLATE [CONTENT_TYPE]")
   end
   if options.mode ~= "cycle" and options.mode ~= "once" then
      error("lines.lua: MODE must be cycle or once, not " .. options.mode)
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

function request()
   if prepared == nil then
      prepare()
   end

   position = position + 1
   if position > #prepared then
      if options.mode == "cycle" then
         position = 1
      else
         -- done() in report.lua counts the threads that ran out. The request
         -- returned here may still go out before the thread stops, so the
         -- run that exhausted its lines is reported as failed.
         lines_exhausted = true
         wrk.thread:stop()
         position = #prepared
      end
   end
   return prepared[position]
end
