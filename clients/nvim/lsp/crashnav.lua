-- crashnav's server for Neovim 0.11+: `vim.lsp.enable('crashnav')`, settings through
-- `vim.lsp.config('crashnav', { settings = { crashnav = { sourceRoots = { ... } } } })`.
-- root_dir declines C buffers outside a kernel tree or a source root (clangd keeps those); a crash report
-- is rooted at the first source root, else the tree around it or the current directory (root_markers).
local server = require('crashnav.server')

return {
  cmd = server.cmd,
  filetypes = server.filetypes,
  root_markers = server.root_markers,
  settings = { crashnav = {} },
  root_dir = function(bufnr, on_dir)
    local settings = (vim.lsp.config.crashnav.settings or {}).crashnav
    local serve, root = server.root_for(bufnr, settings)
    if serve then on_dir(root) end
  end,
}
