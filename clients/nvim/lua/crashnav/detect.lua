-- Which buffers hold a kernel crash: the one owner of the kernel-crash filetype. Log files go by many
-- names (console.log, kern.log, messages, dmesg.202612041200, vmcore-dmesg.txt); a log-like file or an
-- untitled buffer becomes kernel-crash when a crash marker shows in its first lines: a cheap look, not a
-- parse (the server decides by the whole text).
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

--- A buffer whose first lines show a crash becomes kernel-crash (over `messages`, `text` or none).
function M.detect(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype ~= 'kernel-crash' and M.looks_like_report(bufnr) then vim.bo[bufnr].filetype = 'kernel-crash' end
end

local function untitled(bufnr)
  return vim.api.nvim_buf_get_name(bufnr) == '' and vim.bo[bufnr].buftype == '' and vim.bo[bufnr].filetype == ''
end

--- Installs the detection autocommands (again on a second call, never twice). Defined after Neovim's own
--- filetype detection, so a log's content wins over its name (`messages`).
function M.register()
  local group = vim.api.nvim_create_augroup('crashnav_detect', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, { group = group, pattern = { '*.oops', '*.crash' }, command = 'setfiletype kernel-crash' })
  vim.api.nvim_create_autocmd('BufRead', { group = group, pattern = M.patterns, callback = function(args) M.detect(args.buf) end })
  vim.api.nvim_create_autocmd('FileType', { group = group, pattern = 'text', callback = function(args) M.detect(args.buf) end })
  -- An untitled buffer never gets a filetype, so no FileType event: look when text is pasted or typed.
  vim.api.nvim_create_autocmd({ 'TextChanged', 'InsertLeave' }, {
    group = group,
    callback = function(args)
      if untitled(args.buf) then M.detect(args.buf) end
    end,
  })
end

return M
