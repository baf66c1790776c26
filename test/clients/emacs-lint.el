;;; emacs-lint.el --- package-lint and checkdoc on the files given, in batch -*- lexical-binding: t; -*-

;; Prints `LINT file:line:col: type: message' for each package-lint finding and `CHECKDOC ...' for each
;; checkdoc one. Offline: the archive package-lint checks dependencies against is what Debian
;; installed (package-alist), since `package-lint-batch-and-exit' would read an empty archive cache.

(require 'package)
(package-initialize)
(setq package-archive-contents package-alist)
(require 'package-lint)
(require 'checkdoc)

(dolist (file command-line-args-left)
  (with-temp-buffer
    (insert-file-contents file t)
    (emacs-lisp-mode)
    (pcase-dolist (`(,line ,col ,type ,message) (package-lint-buffer))
      (princ (format "LINT %s:%d:%d: %s: %s\n" (file-name-nondirectory file) line col type message))))
  (let ((checkdoc-create-error-function
         (lambda (text start _end &optional _unfixable)
           (princ (format "CHECKDOC %s:%d: %s\n" (file-name-nondirectory file) (line-number-at-pos start) text))
           nil))
        (checkdoc-autofix-flag 'never))
    (with-current-buffer (find-file-noselect file)
      (checkdoc-current-buffer t))))
(setq command-line-args-left nil)
