;;; crashnav.el --- Navigate Linux kernel crash reports and kernel C -*- lexical-binding: t; -*-

;; Copyright (C) 2026 The crashnav authors

;; Author: The crashnav authors
;; URL: https://crashnav.invalid/
;; Version: 0.2.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, tools
;; SPDX-License-Identifier: GPL-2.0-only

;; This file is not part of GNU Emacs.

;;; Commentary:

;; `crashnav-crash-mode' for Linux kernel crash reports (*.oops, *.crash,
;; vmcore-dmesg.txt, dmesg*.txt) and eglot entries that run
;; `crashnav lsp --stdio' for them and for C buffers inside a kernel
;; tree (one with MAINTAINERS or a crashnav index, or under one of the
;; settings' :sourceRoots).  C buffers of any other project keep the
;; server `eglot-server-programs' names next, clangd by default.  A
;; kernel tree without version control is one project (see
;; `crashnav-project-find'), so the server gets the whole tree.
;; Every frame of a report then answers `xref-find-definitions' (its
;; source line), `xref-find-references' (its callers), eldoc hovers and
;; the `disassemble' code lens.
;;
;;   (require 'crashnav)
;;   (add-hook 'crashnav-crash-mode-hook #'eglot-ensure)
;;   (add-hook 'c-mode-hook #'eglot-ensure)
;;
;; The server's settings go in `crashnav-settings', globally with
;; customize, or for one tree in its .dir-locals.el:
;;
;;   ((nil . ((crashnav-settings
;;             . (:vmlinux "/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64")))))
;;
;; or, without writing a file, with `crashnav-set-directory-settings'.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)
(require 'project)

(defgroup crashnav nil
  "Kernel crash navigation through crashnav's language server."
  :group 'tools
  :link '(url-link "https://crashnav.invalid/"))

(defcustom crashnav-command '("crashnav" "lsp" "--stdio")
  "Command that starts the crashnav language server."
  :type '(repeat string))

(defun crashnav-settings-safe-p (value)
  "Non-nil when VALUE is only data: a plist of strings and vectors.
The vectors hold strings or plists of strings (:substitutePaths).
Settings name files the server reads; none is run."
  (and (listp value)
       (cl-evenp (length value))
       (cl-loop for (key setting) on value by #'cddr
                always (and (keywordp key)
                            (or (stringp setting)
                                (and (vectorp setting)
                                     (cl-every #'crashnav--safe-item-p setting)))))))

(defun crashnav--safe-item-p (item)
  "Non-nil when ITEM is a string or a list of keywords and strings."
  (or (stringp item)
      (and (listp item) (cl-every (lambda (x) (or (keywordp x) (stringp x))) item))))

(defcustom crashnav-settings nil
  "The server's settings as a plist, with exactly its keys.
:sourceRoots (a vector of directories), :database, :vmlinux,
:moduleDirs, :debugRoot, :substitutePaths (a vector of
\(:from F :to T)) and :arch.  Sent as initializationOptions when the
server starts; may be directory-local."
  :type 'plist
  :safe #'crashnav-settings-safe-p)

(defconst crashnav-root-markers '(".crashnav" "MAINTAINERS")
  "Files that mark the top of a kernel tree crashnav serves C buffers in.")

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

(define-obsolete-variable-alias 'kernel-crash-mode-hook 'crashnav-crash-mode-hook "0.2.0")

;;;###autoload
(define-derived-mode crashnav-crash-mode text-mode "Kernel-Crash"
  "Major mode for Linux kernel crash reports, navigated through crashnav."
  (setq-local font-lock-defaults '(crashnav--font-lock t))
  (setq-local truncate-lines t))

;;;###autoload
(define-obsolete-function-alias 'kernel-crash-mode #'crashnav-crash-mode "0.2.0")

;;;###autoload
(add-to-list 'auto-mode-alist
             `(,(rx (or ".oops" ".crash" (seq "/vmcore-dmesg.txt") (seq "/dmesg" (* (not (any "/"))) ".txt")) eos)
               . crashnav-crash-mode))

(defun crashnav--source-roots ()
  "The :sourceRoots of `crashnav-settings', as absolute directory names."
  (mapcar (lambda (root) (file-name-as-directory (expand-file-name root)))
          (plist-get crashnav-settings :sourceRoots)))

(defun crashnav-kernel-tree-p (&optional file)
  "The kernel tree FILE (default: the current buffer's) is in, or nil.
That is a directory above it holding one of `crashnav-root-markers',
or one of the settings' :sourceRoots it is under."
  (let ((file (expand-file-name (or file buffer-file-name default-directory))))
    (or (cl-find-if (lambda (root) (file-in-directory-p file root)) (crashnav--source-roots))
        (cl-some (lambda (marker) (locate-dominating-file file marker)) crashnav-root-markers))))

;; A kernel tree without version control (an unpacked linux-source) would
;; otherwise be a project per directory, and eglot would give the server
;; a subdirectory as its workspace, which is no kernel tree.
(defun crashnav-project-find (directory)
  "The kernel tree around DIRECTORY as a transient project, or nil.
For `project-find-functions', after version control's own lookup."
  (when-let ((root (cl-some (lambda (marker) (locate-dominating-file directory marker)) crashnav-root-markers)))
    (cons 'transient (expand-file-name root))))

(add-hook 'project-find-functions #'crashnav-project-find 90)

(defun crashnav--server-program (_interactive)
  "The server command with `crashnav-settings' as its initializationOptions."
  `(,@crashnav-command :initializationOptions ,(or crashnav-settings (make-hash-table))))

(defun crashnav--list (x)
  "X if it is a list, else a list of X."
  (if (listp x) x (list x)))

(defun crashnav--next-contact (interactive)
  "What `eglot-server-programs' names for this buffer after crashnav.
INTERACTIVE is passed on to a contact function."
  (cl-loop for (modes . contact) in eglot-server-programs
           unless (eq contact #'crashnav--c-contact)
           when (cl-some (lambda (spec) (provided-mode-derived-p major-mode (car (crashnav--list spec))))
                         (crashnav--list modes))
           return (if (functionp contact) (funcall contact interactive) contact)))

(defun crashnav--c-contact (interactive)
  "Crashnav for a C buffer inside a kernel tree, else the next server.
INTERACTIVE is as for any contact function of `eglot-server-programs'."
  (if (crashnav-kernel-tree-p)
      (crashnav--server-program interactive)
    (crashnav--next-contact interactive)))

(add-to-list 'eglot-server-programs '(crashnav-crash-mode . crashnav--server-program))
(add-to-list 'eglot-server-programs '((c-mode c-ts-mode) . crashnav--c-contact))

(defun crashnav-set-directory-settings (directory settings)
  "Use SETTINGS as `crashnav-settings' for files under DIRECTORY.
SETTINGS is a plist of the server's keys, as for `crashnav-settings';
it applies to buffers visited from now on, as a .dir-locals.el would."
  (let ((class (intern (format "crashnav-%s" (expand-file-name directory)))))
    (dir-locals-set-class-variables class `((nil . ((crashnav-settings . ,settings)))))
    (dir-locals-set-directory-class directory class)))

(defun crashnav--position-params ()
  "The LSP TextDocumentPositionParams of point."
  (list :textDocument (list :uri (concat "file://" (url-hexify-string (file-truename buffer-file-name) url-path-allowed-chars)))
        :position (list :line (1- (line-number-at-pos)) :character (funcall eglot-current-column-function))))

(defun crashnav-disassemble ()
  "Disassemble the function of the frame at point, with source, in another window."
  (interactive)
  (let* ((server (or (eglot-current-server) (user-error "No crashnav server for this buffer")))
         (result (jsonrpc-request server :crashnav/disassemble (crashnav--position-params))))
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
