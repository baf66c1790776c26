-- `:checkhealth crashnav`: is the server there (and which version), is there an index for the tree, and a
-- vmlinux with DWARF for the running kernel. vim.health.start/ok/... on 0.10+, the report_* names before.
local server = require('crashnav.server')
local M = {}

local health = vim.health or require('health')
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local info = health.info or health.report_info
local warn = health.warn or health.report_warn
local error = health.error or health.report_error

local uv = vim.uv or vim.loop
local function exists(path) return path and uv.fs_stat(path) ~= nil end

-- The command without its `lsp --stdio` tail, asked for --version.
local function check_server(cmd)
  start('crashnav: server')
  if vim.fn.executable(cmd[1]) == 0 then
    return error(('`%s` is not executable'):format(cmd[1]), { 'run `npm link` in the crashnav checkout to put crashnav on PATH, or set cmd to { "node", "/path/to/crashnav/bin/crashnav.js", "lsp", "--stdio" }' })
  end
  local base = {}
  for _, arg in ipairs(cmd) do
    if arg == 'lsp' then break end
    table.insert(base, arg)
  end
  table.insert(base, '--version')
  local version = vim.trim(vim.fn.system(base))
  if vim.v.shell_error ~= 0 then return error(('`%s` failed: %s'):format(table.concat(base, ' '), version)) end
  ok(('%s (%s)'):format(version, table.concat(cmd, ' ')))
end

local function check_index(settings)
  start('crashnav: index')
  if settings.database then
    if exists(settings.database) then return ok('database ' .. settings.database) end
    return error('database ' .. settings.database .. ' does not exist')
  end
  local roots = server.source_roots(settings)
  local here = server.find_root(vim.api.nvim_buf_get_name(0) ~= '' and vim.api.nvim_buf_get_name(0) or vim.fn.getcwd())
  if here and not vim.tbl_contains(roots, here) then table.insert(roots, here) end
  if #roots == 0 then
    return warn('no source root: C navigation is off', { 'set settings.sourceRoots, or start Neovim inside a kernel tree (one with MAINTAINERS)' })
  end
  for _, root in ipairs(roots) do
    local db = root .. '/.crashnav/index.db'
    if exists(db) then
      ok('index ' .. db)
    else
      warn('no index in ' .. root .. '/.crashnav', { 'the server builds it when it serves the tree, or run: crashnav index --root ' .. root })
    end
  end
end

local function check_vmlinux(settings)
  start('crashnav: vmlinux')
  if settings.vmlinux then
    if exists(settings.vmlinux) then return ok('vmlinux ' .. settings.vmlinux) end
    return error('vmlinux ' .. settings.vmlinux .. ' does not exist')
  end
  local release = uv.os_uname().release
  local debug = settings.debugRoot or '/usr/lib/debug'
  for _, candidate in ipairs({ debug .. '/boot/vmlinux-' .. release, debug .. '/lib/modules/' .. release .. '/vmlinux', '/boot/vmlinux-' .. release }) do
    if exists(candidate) then return ok('vmlinux for the running kernel: ' .. candidate) end
  end
  info('crash reports need the vmlinux of the kernel that crashed; set settings.vmlinux or settings.debugRoot')
  warn('no vmlinux for ' .. release .. ' under ' .. debug .. ': frames resolve to their function, not the line', { 'Debian: apt install linux-image-' .. release .. '-dbg' })
end

function M.check()
  local effective = require('crashnav').effective()
  check_server(effective.cmd)
  check_index(effective.settings)
  check_vmlinux(effective.settings)
end

return M
