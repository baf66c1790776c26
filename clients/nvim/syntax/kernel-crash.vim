" crashnav: highlighting for kernel crash reports (the same elements as the VS Code grammar).
if exists('b:current_syntax') | finish | endif

syntax match crashTimestamp /^\s*\[\s*\d\+\.\d\+\]/
syntax match crashHeadline /\v(BUG: |Oops: |general protection fault|kernel BUG at |WARNING: |Kernel panic - not syncing|Unable to handle kernel |Internal error: |KASAN: ).*$/
syntax match crashFrame /\v<[A-Za-z_.$][A-Za-z0-9_.$]*\+0x[0-9a-f]+(\/0x[0-9a-f]+)?/ contains=crashOffset
syntax match crashOffset /\v\+0x[0-9a-f]+(\/0x[0-9a-f]+)?/ contained
syntax match crashModule /\v\[[A-Za-z0-9_-]+\]$/
syntax match crashUnreliable /\v^\s*(\[\s*\d+\.\d+\])?\s+\?\s/
syntax match crashRegister /\v<(R[A-Z0-9]{1,3}|E[A-Z]{2}|EFLAGS|CS|DS|ES|SS|FS|GS|CR\d|x\d{1,2}|sp|pc|lr):/
syntax match crashMarker /\v\<\/?(TASK|IRQ|SOFTIRQ|NMI)\>|Call Trace:|Call trace:|---\[ end trace.*\]---/
syntax match crashTaint /\v(Tainted: [A-Z ]+|Not tainted)/
syntax match crashFaulting /\v\<[0-9a-f]{2}\>/
syntax match crashSource /\v[A-Za-z0-9_./+-]+\.[chS]:\s?\d+/

highlight default link crashTimestamp Comment
highlight default link crashHeadline Error
highlight default link crashFrame Function
highlight default link crashOffset Number
highlight default link crashModule Type
highlight default link crashUnreliable Comment
highlight default link crashRegister Identifier
highlight default link crashMarker Statement
highlight default link crashTaint Special
highlight default link crashFaulting Todo
highlight default link crashSource Underlined

let b:current_syntax = 'kernel-crash'
