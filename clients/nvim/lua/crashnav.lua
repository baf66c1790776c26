-- crashnav for Neovim's built-in LSP client, written for Neovim 0.7 (Debian bookworm): one
-- `crashnav lsp --stdio` client started with vim.lsp.start_client and attached with buf_attach_client to
-- every crash report (filetype kernel-crash), C buffer and log-like file (the server decides by content
-- whether a log holds a report). `vim.lsp.start` (0.8+) is deliberately not used.
local detect = require('crashnav.detect')
local M = {}

M.config = {
  -- How to start the server; the first item is looked up on PATH.
  cmd = { 'crashnav', 'lsp', '--stdio' },
  filetypes = { 'kernel-crash', 'c' },
  -- The server's settings, exactly its keys: sourceRoots, database, vmlinux, moduleDirs, debugRoot,
  -- substitutePaths, arch. Sent as initializationOptions and served for workspace/configuration.
  settings = {},
  -- Root directory given to the server as its workspace folder; default: the current directory.
  root_dir = nil,
  -- Called with (client, bufnr) when a buffer attaches, e.g. to map keys.
  on_attach = nil,
}

local client_id = nil

local function show_disassembly(result)
  if not result or not result.text then
    vim.notify('crashnav: nothing to disassemble here', vim.log.levels.WARN)
    return
  end
  vim.cmd('vsplit')
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(result.text, '\n', { plain = true }))
  vim.api.nvim_buf_set_option(buf, 'filetype', 'asm')
  vim.api.nvim_buf_set_option(buf, 'modifiable', false)
  pcall(vim.api.nvim_buf_set_name, buf, result.uri)
  vim.api.nvim_win_set_buf(0, buf)
  if result.markedLine then vim.api.nvim_win_set_cursor(0, { result.markedLine + 1, 0 }) end
end

--- `:CrashnavDisassemble`: the function of the frame under the cursor, in a scratch split.
function M.disassemble()
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  if not client then return vim.notify('crashnav: the server is not running', vim.log.levels.ERROR) end
  local params = vim.lsp.util.make_position_params()
  client.request('crashnav/disassemble', params, function(err, result)
    if err then return vim.notify('crashnav: ' .. err.message, vim.log.levels.ERROR) end
    show_disassembly(result)
  end, vim.api.nvim_get_current_buf())
end

-- The `disassemble` code lens carries a target; run it on the server and show the text it returns.
vim.lsp.commands['crashnav.disassemble'] = function(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  client.request('workspace/executeCommand', { command = command.command, arguments = command.arguments }, function(err, result)
    if err then return vim.notify('crashnav: ' .. err.message, vim.log.levels.ERROR) end
    show_disassembly(result)
  end, ctx.bufnr)
end

local function start()
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  if client and not client.is_stopped() then return client_id end
  local root = M.config.root_dir or vim.fn.getcwd()
  client_id = vim.lsp.start_client({
    name = 'crashnav',
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = M.config.settings,
    settings = { crashnav = M.config.settings },
    on_attach = M.config.on_attach,
  })
  return client_id
end

--- Attaches the crashnav client (starting it once) to a buffer.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local id = start()
  if id then vim.lsp.buf_attach_client(bufnr, id) end
  return id
end

function M.client_id()
  return client_id
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  local group = vim.api.nvim_create_augroup('crashnav', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args) M.attach(args.buf) end,
  })
  -- Log files hold crashes whatever their first lines say: the server reads all of it and decides.
  vim.api.nvim_create_autocmd('BufRead', {
    group = group,
    pattern = detect.patterns,
    callback = function(args) M.attach(args.buf) end,
  })
  -- A crash pasted into a plain text file: recognized by its content.
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = { 'text', '' },
    callback = function(args) detect.detect(args.buf) end,
  })
  vim.api.nvim_create_user_command('CrashnavDisassemble', M.disassemble, {})
  -- Any other buffer, e.g. a new one a trace was pasted into: it becomes a report when one appears in it.
  vim.api.nvim_create_user_command('CrashnavAttach', function() M.attach() end, {})
end

return M
