;;; crashnav.el --- Kernel crash reports and kernel C through crashnav's language server -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, tools, kernel
;; SPDX-License-Identifier: GPL-2.0-only

;;; Commentary:

;; `kernel-crash-mode' for crash reports (*.oops, *.crash, vmcore-dmesg.txt, dmesg*.txt) and an eglot
;; entry that runs `crashnav lsp --stdio' for them and for C buffers.  Every frame of a report then
;; answers xref-find-definitions (its source line), xref-find-references (its callers), eldoc hovers
;; (source around the line, decoded Oops/#PF/CS/Tainted/ESR), and the `disassemble' code lens.
;;
;;   (require 'crashnav)
;;   (setq crashnav-settings '(:sourceRoots ["~/src/linux"]
;;                             :vmlinux "/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64"))
;;   (add-hook 'kernel-crash-mode-hook #'eglot-ensure)
;;   (add-hook 'c-mode-hook #'eglot-ensure)

;;; Code:

(require 'eglot)

(defgroup crashnav nil
  "Kernel crash navigation through crashnav's language server."
  :group 'tools)

(defcustom crashnav-command '("crashnav" "lsp" "--stdio")
  "Command that starts the crashnav language server."
  :type '(repeat string))

(defcustom crashnav-settings nil
  "The server's settings as a plist, with exactly its keys.
:sourceRoots, :database, :vmlinux, :moduleDirs, :debugRoot,
:substitutePaths (a vector of (:from F :to T)) and :arch."
  :type 'plist)

(defconst crashnav--font-lock
  `((,(rx bol (* space) "[" (* space) (+ digit) "." (+ digit) "]") . font-lock-comment-face)
    (,(rx (or "BUG: " "Oops: " "general protection fault" "kernel BUG at " "WARNING: "
              "Kernel panic - not syncing" "Unable to handle kernel " "Internal error: " "KASAN: ")
          (* nonl))
     . font-lock-warning-face)
    (,(rx (group (any "A-Za-z_.$") (* (any "A-Za-z0-9_.$"))) (group "+0x" (+ hex) (? "/0x" (+ hex))))
     (1 font-lock-function-name-face) (2 font-lock-constant-face))
    (,(rx "[" (+ (any "A-Za-z0-9_-")) "]" eol) . font-lock-type-face)
    (,(rx (or (seq "<" (? "/") (or "TASK" "IRQ" "SOFTIRQ" "NMI") ">") "Call Trace:" "Call trace:"
              (seq "---[ end trace" (* nonl) "]---")))
     . font-lock-keyword-face)
    (,(rx (or (seq "Tainted: " (+ (any "A-Z "))) "Not tainted")) . font-lock-builtin-face)
    (,(rx bow (or (seq "R" (any "A-Z0-9") (** 1 2 (any "A-Z0-9"))) "EFLAGS" "CS" "DS" "ES" "SS" "FS" "GS"
                  (seq "CR" digit))
          ":")
     . font-lock-variable-name-face)
    (,(rx "<" (= 2 hex) ">") . font-lock-warning-face))
  "Highlighting of frames, offsets, modules, registers, taint and stack markers.")

;;;###autoload
(define-derived-mode kernel-crash-mode text-mode "Kernel-Crash"
  "Major mode for Linux kernel crash reports, navigated through crashnav."
  (setq-local font-lock-defaults '(crashnav--font-lock t))
  (setq-local truncate-lines t))

;;;###autoload
(add-to-list 'auto-mode-alist
             `(,(rx (or ".oops" ".crash" (seq "/vmcore-dmesg.txt") (seq "/dmesg" (* (not (any "/"))) ".txt")) eos)
               . kernel-crash-mode))

(defun crashnav--server-program (_interactive)
  "The server command with `crashnav-settings' as its initializationOptions."
  `(,@crashnav-command :initializationOptions ,(or crashnav-settings (make-hash-table))))

(add-to-list 'eglot-server-programs
             `((kernel-crash-mode c-mode c-ts-mode) . crashnav--server-program))

(defun crashnav--workspace-configuration (_server)
  "Answers the server's workspace/configuration request for the `crashnav' section."
  `(:crashnav ,(or crashnav-settings (make-hash-table))))

(setq-default eglot-workspace-configuration #'crashnav--workspace-configuration)

(defun crashnav-disassemble ()
  "Disassemble the function of the frame at point, with source, in another window."
  (interactive)
  (let* ((server (eglot--current-server-or-lose))
         (result (jsonrpc-request server :crashnav/disassemble (eglot--TextDocumentPositionParams))))
    (if (not result)
        (message "crashnav: nothing to disassemble here")
      (with-current-buffer (get-buffer-create (format "*crashnav %s*" (plist-get result :uri)))
        (let ((inhibit-read-only t))
          (erase-buffer)
          (insert (plist-get result :text))
          (asm-mode)
          (goto-char (point-min))
          (when-let ((line (plist-get result :markedLine))) (forward-line line)))
        (pop-to-buffer (current-buffer))))))

(provide 'crashnav)
;;; crashnav.el ends here
