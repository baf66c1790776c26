-- The plugin's Neovim 0.11 path run in 0.7 against stand-ins: vim.fn.has('nvim-0.11') answers 1 and
-- vim.lsp.config/enable/start/get_clients record what the plugin hands them, the way 0.11's API takes them
-- (vim.lsp.config is a callable table; a client's methods are called with `:`). Loaded by
-- neovim-plugin.test.ts after :packadd, with `finish` defined; $CRASHNAV_TREE is a kernel-shaped tree,
-- $CRASHNAV_ELSEWHERE a C project outside it.
local tree, elsewhere = os.getenv('CRASHNAV_TREE'), os.getenv('CRASHNAV_ELSEWHERE')
local record = { config = {}, enabled = {}, started = {}, requests = {} }

local has = vim.fn.has
vim.fn.has = function(feature)
  if feature == 'nvim-0.11' then return 1 end
  return has(feature)
end

local configs = { crashnav = dofile(vim.api.nvim_get_runtime_file('lsp/crashnav.lua', false)[1]) }
vim.lsp.config = setmetatable({}, {
  __call = function(_, name, config)
    table.insert(record.config, { name = name, config = config })
    configs[name] = vim.tbl_deep_extend('force', configs[name] or {}, config)
  end,
  __index = function(_, name) return configs[name] end,
})
vim.lsp.enable = function(name) table.insert(record.enabled, name) end
local client = { id = 1, name = 'crashnav', offset_encoding = 'utf-16' }
local attached = {}
function client:request(method, params, _, bufnr)
  assert(self == client, 'client.request called without self')
  table.insert(record.requests, { method = method, line = params.position.line, bufnr = bufnr })
end
vim.lsp.start = function(config, opts)
  attached[opts.bufnr] = true
  table.insert(record.started, { name = config.name, root = config.root_dir or vim.NIL, cmd = config.cmd, bufnr = opts.bufnr, settings = config.settings })
  return 1
end
vim.lsp.get_clients = function(filter) return attached[filter.bufnr] and { client } or {} end

local crashnav = require('crashnav')
crashnav.setup({ cmd = { 'crashnav-test', 'lsp', '--stdio' }, settings = { vmlinux = '/nonexistent/vmlinux' } })

-- root_dir as vim.lsp.enable calls it on FileType: on_dir is called to serve, not called to decline.
local function root_dir_of(file)
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local got = { served = false }
  configs.crashnav.root_dir(vim.api.nvim_get_current_buf(), function(root)
    got.served = true
    got.root = root or vim.NIL
  end)
  return got
end
record.kernel_c = root_dir_of(tree .. '/init/main.c')
record.other_c = root_dir_of(elsewhere .. '/hello.c')
record.log = root_dir_of(elsewhere .. '/console.log')
record.log_filetype = vim.bo.filetype

-- The log's BufRead made the plugin's own attach hand vim.lsp.start the resolved config, once.
crashnav.disassemble()
record.effective = crashnav.effective()
record.final = { cmd = configs.crashnav.cmd, filetypes = configs.crashnav.filetypes, root_markers = configs.crashnav.root_markers }
finish(record)
