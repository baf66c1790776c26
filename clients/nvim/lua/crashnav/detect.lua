-- Which buffers may hold a kernel crash. Log files go by many names (console.log, kern.log, messages,
-- dmesg.202612041200, vmcore-dmesg.txt); the server decides by content whether one is a report, so
-- buffers of these names get the server whatever their content. The kernel-crash filetype (highlighting,
-- the FileType hook) is given when a crash marker shows in the first lines: a cheap look, not a parse.
local M = {}

--- Autocommand patterns of log-like file names (matched against the file's tail).
M.patterns = { '*.log', 'messages', 'messages.*', 'kern.log*', 'syslog*', 'dmesg*', 'console*', 'vmcore-dmesg.txt' }

--- How far into a buffer the markers are looked for.
M.max_lines = 5000

-- Lines that only a kernel crash prints (plain substrings, not patterns).
local markers = { 'Call Trace:', 'Call trace:', 'BUG: ', 'Oops', 'RIP: ', 'Kernel panic - not syncing' }

--- True when one of the first `M.max_lines` lines of the buffer carries a crash marker.
function M.looks_like_report(bufnr)
  for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, M.max_lines, false)) do
    for _, marker in ipairs(markers) do
      if line:find(marker, 1, true) then return true end
    end
  end
  return false
end

--- From ftdetect: a log-like buffer whose first lines show a crash becomes kernel-crash (over `messages`).
function M.detect(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if M.looks_like_report(bufnr) then vim.api.nvim_buf_set_option(bufnr, 'filetype', 'kernel-crash') end
end

return M
