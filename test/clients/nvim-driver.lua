-- Drives real Neovim (0.7, headless) through the crashnav plugin, loaded with :packadd from $CRASHNAV_PACK
-- (a packpath whose pack/*/opt/crashnav links to the repository) and set up with its default roots: opens
-- each file of $CRASHNAV_STEPS (JSON: [{file, needle, offset, no_client}]), puts the cursor on the needle,
-- and records what the LSP answers to definition, references and call hierarchy, through
-- vim.lsp.buf_request_sync (the interactive incoming_calls() asks the user to pick and would hang headless).
-- A `no_client` step records whether a crashnav client attached within a few seconds. Writes $CRASHNAV_OUT.
local function env_json(name) return vim.fn.json_decode(os.getenv(name)) end

vim.o.packpath = os.getenv('CRASHNAV_PACK')
vim.cmd('filetype on')
vim.cmd('packadd crashnav')
local crashnav = require('crashnav')
crashnav.setup({ cmd = env_json('CRASHNAV_CMD'), settings = env_json('CRASHNAV_SETTINGS') })

local out = { steps = {} }
local timeout = 60000

local function finish()
  vim.fn.writefile({ vim.fn.json_encode(out) }, os.getenv('CRASHNAV_OUT'))
  vim.cmd('qa!')
end

local function request(method, params)
  local responses, err = vim.lsp.buf_request_sync(0, method, params, timeout)
  if not responses then return { error = err or 'no response' } end
  for _, response in pairs(responses) do
    if response.err then return { error = response.err.message } end
    return { result = response.result }
  end
  return { error = 'no client answered' }
end

local function locations(result)
  local list = {}
  for _, loc in ipairs(result or {}) do
    local uri = loc.uri or loc.targetUri
    local range = loc.range or loc.targetSelectionRange
    table.insert(list, vim.uri_to_fname(uri) .. ':' .. (range.start.line + 1))
  end
  return list
end

local ok, failure = pcall(function()
  for _, step in ipairs(env_json('CRASHNAV_STEPS')) do
    vim.cmd('edit ' .. vim.fn.fnameescape(step.file))
    local record = { file = step.file, filetype = vim.bo.filetype }
    table.insert(out.steps, record)
    if step.no_client then
      record.attached = vim.wait(3000, function() return crashnav.client() ~= nil end, 50)
      goto continue
    end
    -- The client attaches once the server has answered initialize.
    assert(vim.wait(timeout, function() return crashnav.client() ~= nil end, 20), 'no LSP client attached')
    local client = crashnav.client()
    record.root = client.config.root_dir
    assert(vim.wait(timeout, function()
      local status = client.request_sync('crashnav/status', vim.NIL, timeout, 0)
      if not status or not status.result then return false end
      local indexes = status.result.indexes
      if #indexes == 0 then return false end
      for _, index in ipairs(indexes) do
        if index.indexing or index.files == 0 then return false end
      end
      return true
    end, 100), 'the index never became ready')
    local found = vim.fn.search(vim.fn.escape(step.needle, '\\/.*$^~[]'), 'cw')
    assert(found > 0, 'needle not found: ' .. step.needle)
    local cursor = vim.api.nvim_win_get_cursor(0)
    vim.api.nvim_win_set_cursor(0, { cursor[1], cursor[2] + (step.offset or 0) })
    local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
    local definition = request('textDocument/definition', params)
    record.definition = definition.error or locations(definition.result)
    local ref_params = vim.lsp.util.make_position_params(0, client.offset_encoding)
    ref_params.context = { includeDeclaration = false }
    local references = request('textDocument/references', ref_params)
    record.references = references.error or locations(references.result)
    local prepared = request('textDocument/prepareCallHierarchy', vim.lsp.util.make_position_params(0, client.offset_encoding))
    if prepared.result and prepared.result[1] then
      local item = prepared.result[1]
      record.item = item.name
      local incoming = request('callHierarchy/incomingCalls', { item = item })
      record.incoming = {}
      for _, call in ipairs(incoming.result or {}) do table.insert(record.incoming, call.from.name) end
      local outgoing = request('callHierarchy/outgoingCalls', { item = item })
      record.outgoing = {}
      for _, call in ipairs(outgoing.result or {}) do table.insert(record.outgoing, call.to.name) end
    end
    ::continue::
  end
end)
if not ok then out.error = tostring(failure) end
finish()
