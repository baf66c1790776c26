" crashnav: kernel crash reports get the kernel-crash filetype: *.oops and *.crash by name, log-like files
" (console.log, kern.log, messages, dmesg.*, vmcore-dmesg.txt, ...) when a crash shows in their first lines.
autocmd BufRead,BufNewFile *.oops,*.crash setfiletype kernel-crash
execute 'autocmd BufRead ' . luaeval("table.concat(require('crashnav.detect').patterns, ',')")
      \ . ' lua require("crashnav.detect").detect(tonumber(vim.fn.expand("<abuf>")))'
