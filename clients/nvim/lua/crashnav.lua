-- crashnav for Neovim's built-in LSP client. On 0.11+ setup() is vim.lsp.config + vim.lsp.enable over
-- lsp/crashnav.lua; on 0.7 to 0.10 (Debian bookworm ships 0.7) one client per root is started with
-- vim.lsp.start_client and attached with buf_attach_client (`vim.lsp.start` is 0.8+, and 0.8 to 0.10 need
-- neither path changed). Either way every log-like file gets the server too: it reads the whole text and
-- decides by content whether (and while) it is a crash report, so a kern.log whose oops comes late navigates.
local detect = require('crashnav.detect')
local server = require('crashnav.server')
local M = {}

local modern = vim.fn.has('nvim-0.11') == 1

M.config = {
  -- How to start the server; the first item is looked up on PATH.
  cmd = server.cmd,
  filetypes = server.filetypes,
  -- The server's settings, exactly its keys: sourceRoots, database, vmlinux, moduleDirs, debugRoot,
  -- substitutePaths, arch. Served for workspace/configuration (and sent as initializationOptions on 0.7).
  settings = {},
  -- The workspace root: a path, or a function(bufnr) returning one; default: see crashnav.server.root_for.
  root_dir = nil,
  -- Called with (client, bufnr) when a buffer attaches, e.g. to map keys.
  on_attach = nil,
}

-- The legacy path's clients, by root ('' for none).
local clients = {}

local function notify_error(err) vim.notify('crashnav: ' .. err.message, vim.log.levels.ERROR) end

local function request(client, method, params, handler, bufnr)
  if modern then return client:request(method, params, handler, bufnr) end
  return client.request(method, params, handler, bufnr)
end

--- The crashnav client attached to a buffer, if any.
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.lsp.get_clients then return vim.lsp.get_clients({ bufnr = bufnr, name = 'crashnav' })[1] end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'crashnav' then return client end
  end
  return nil
end

--- The command and settings in force: vim.lsp.config's on 0.11+, setup()'s before.
function M.effective()
  if modern then
    local config = vim.lsp.config.crashnav or {}
    return { cmd = config.cmd or server.cmd, settings = (config.settings or {}).crashnav or {} }
  end
  return { cmd = M.config.cmd, settings = M.config.settings }
end

local function show_disassembly(result)
  if not result or not result.text then
    vim.notify('crashnav: nothing to disassemble here', vim.log.levels.WARN)
    return
  end
  vim.cmd('vsplit')
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(result.text, '\n', { plain = true }))
  vim.bo[buf].filetype = 'asm'
  vim.bo[buf].modifiable = false
  pcall(vim.api.nvim_buf_set_name, buf, result.uri)
  vim.api.nvim_win_set_buf(0, buf)
  if result.markedLine then vim.api.nvim_win_set_cursor(0, { result.markedLine + 1, 0 }) end
end

--- `:CrashnavDisassemble`: the function of the frame under the cursor, in a scratch split.
function M.disassemble()
  local client = M.client()
  if not client then return vim.notify('crashnav: no crashnav server on this buffer', vim.log.levels.ERROR) end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  request(client, 'crashnav/disassemble', params, function(err, result)
    if err then return notify_error(err) end
    show_disassembly(result)
  end, vim.api.nvim_get_current_buf())
end

-- The `disassemble` code lens carries a target; run it on the server and show the text it returns.
vim.lsp.commands['crashnav.disassemble'] = function(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  request(client, 'workspace/executeCommand', { command = command.command, arguments = command.arguments }, function(err, result)
    if err then return notify_error(err) end
    show_disassembly(result)
  end, ctx.bufnr)
end

local function root_of(bufnr)
  local root = M.config.root_dir
  if type(root) == 'function' then return true, root(bufnr) end
  if root then return true, root end
  return server.root_for(bufnr, modern and M.effective().settings or M.config.settings)
end

-- 0.7 to 0.10: one client per root, started on first use.
local function legacy_attach(bufnr, root)
  local key = root or ''
  local client = clients[key] and vim.lsp.get_client_by_id(clients[key])
  if not client or client.is_stopped() then
    clients[key] = vim.lsp.start_client({
      name = 'crashnav',
      cmd = M.config.cmd,
      root_dir = root,
      workspace_folders = root and { { uri = vim.uri_from_fname(root), name = root } } or nil,
      init_options = M.config.settings,
      settings = { crashnav = M.config.settings },
      on_attach = M.config.on_attach,
    })
  end
  if clients[key] then vim.lsp.buf_attach_client(bufnr, clients[key]) end
  return clients[key]
end

--- Attaches the crashnav server to a buffer (`:CrashnavAttach`); returns the client id, or nil when the
--- buffer is a C file outside every kernel tree and source root.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  -- A log name can match two patterns (console.log): attach once.
  local attached = M.client(bufnr)
  if attached then return attached.id end
  local serve, root = root_of(bufnr)
  if not serve then return nil end
  if not modern then return legacy_attach(bufnr, root) end
  local config = vim.deepcopy(vim.lsp.config.crashnav)
  config.name = 'crashnav'
  config.root_dir = root
  return vim.lsp.start(config, { bufnr = bufnr })
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  local group = vim.api.nvim_create_augroup('crashnav', { clear = true })
  if modern then
    local config = { cmd = M.config.cmd, filetypes = M.config.filetypes, settings = { crashnav = M.config.settings }, on_attach = M.config.on_attach }
    if M.config.root_dir then
      config.root_dir = function(bufnr, on_dir)
        local _, root = root_of(bufnr)
        on_dir(root)
      end
    end
    vim.lsp.config('crashnav', config)
    vim.lsp.enable('crashnav')
  else
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = M.config.filetypes,
      callback = function(args) M.attach(args.buf) end,
    })
  end
  -- Log files hold crashes whatever their first lines say: the server reads all of it and decides.
  vim.api.nvim_create_autocmd('BufRead', {
    group = group,
    pattern = detect.patterns,
    callback = function(args) M.attach(args.buf) end,
  })
end

return M
