-- How crashnav's server is started and which buffers it serves, shared by lsp/crashnav.lua (Neovim 0.11's
-- vim.lsp.config) and require('crashnav').setup() (0.7 to 0.10). C buffers are served only inside a kernel
-- tree or a configured source root, so clangd keeps every other project; crash reports are served anywhere.
local M = {}

M.cmd = { 'crashnav', 'lsp', '--stdio' }
M.filetypes = { 'kernel-crash', 'c' }
-- A tree crashnav has indexed, or a kernel tree's top (Kbuild also sits in subdirectories, so it is no marker).
M.root_markers = { '.crashnav', 'MAINTAINERS' }

local uv = vim.uv or vim.loop

local function exists(path) return uv.fs_stat(path) ~= nil end

--- The nearest directory at or above `path` that holds a root marker, or nil.
function M.find_root(path)
  local dir = vim.fn.fnamemodify(path, ':p')
  if vim.fn.isdirectory(dir) == 0 then dir = vim.fn.fnamemodify(dir, ':h') end
  dir = dir:gsub('/$', '')
  while dir ~= '' do
    for _, marker in ipairs(M.root_markers) do
      if exists(dir .. '/' .. marker) then return dir end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then break end
    dir = parent
  end
  return nil
end

--- The settings' source roots, expanded to absolute paths without a trailing slash.
function M.source_roots(settings)
  local roots = {}
  for _, root in ipairs((settings or {}).sourceRoots or {}) do
    table.insert(roots, (vim.fn.fnamemodify(vim.fn.expand(root), ':p'):gsub('/$', '')))
  end
  return roots
end

--- Whether crashnav serves buffer `bufnr`, and the workspace root to give the server (may be nil).
function M.root_for(bufnr, settings)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local roots = M.source_roots(settings)
  if vim.bo[bufnr].filetype == 'c' then
    for _, root in ipairs(roots) do
      if name:sub(1, #root + 1) == root .. '/' then return true, root end
    end
    local root = name ~= '' and M.find_root(name) or nil
    return root ~= nil, root
  end
  return true, roots[1] or (name ~= '' and M.find_root(name)) or M.find_root(vim.fn.getcwd())
end

return M
