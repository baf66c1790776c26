" crashnav: kernel crash reports get the kernel-crash filetype.
autocmd BufRead,BufNewFile *.oops,*.crash,vmcore-dmesg.txt,dmesg*.txt setfiletype kernel-crash
