-- crashnav: the kernel-crash filetype and the commands, at startup; the LSP client itself starts only
-- after require('crashnav').setup() or vim.lsp.enable('crashnav') (0.11+), so loading this costs nothing.
if vim.g.loaded_crashnav then return end
vim.g.loaded_crashnav = true

require('crashnav.detect').register()

vim.api.nvim_create_user_command('CrashnavAttach', function() require('crashnav').attach() end, { desc = 'Attach the crashnav server to this buffer' })
vim.api.nvim_create_user_command('CrashnavDisassemble', function() require('crashnav').disassemble() end, { desc = 'Disassemble the frame under the cursor' })

-- With vim.lsp.enable alone, crashnav's module (the `disassemble` code lens command) loads on first attach.
if vim.fn.has('nvim-0.8') == 1 then
  vim.api.nvim_create_autocmd('LspAttach', {
    group = vim.api.nvim_create_augroup('crashnav_attach', { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == 'crashnav' then require('crashnav') end
    end,
  })
end
