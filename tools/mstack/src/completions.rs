//! Shell completion scripts: clap's, with stack operands completed as
//! mstack reads them. An operand without a `/` is a NAME in the default
//! stackfs, so a word without a `/` completes to the names there (not to
//! the files of the working directory, which a bare name no longer
//! means); a word with a `/` completes as a path. bash, zsh and fish get
//! this; clap's other shells complete files.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::{vustack, Cli};

/// What the help of every stack operand says, and marks it for the
/// completion scripts.
pub const STACK_MARK: &str = "NAME in the default stackfs";

/// The completion script of `command` (`mstack` or `vustack`) for `shell`.
pub fn script(shell: Shell, command: &str) -> String {
    let mut cmd = if command == "vustack" {
        vustack::clap_command()
    } else {
        Cli::command()
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, command, &mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    if command == "vustack" {
        // vustack's stack is a path, as in VUOS.
        return text;
    }
    match shell {
        Shell::Bash => text + BASH,
        Shell::Zsh => zsh(&text),
        Shell::Fish => text + FISH,
        _ => text,
    }
}

/// zsh: the stack operands' `_files` becomes `_mstack_stacks`.
fn zsh(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + ZSH.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line.contains(STACK_MARK) {
            out.push_str(&line.replace(":_files'", ":_mstack_stacks'"));
        } else {
            out.push_str(line);
        }
        // After the #compdef line.
        if i == 0 {
            out.push_str(ZSH);
        }
    }
    out
}

const ZSH: &str = r#"
# A stack operand without a '/' is a NAME in the default stackfs.
(( $+functions[_mstack_stacks] )) ||
_mstack_stacks() {
    if [[ $PREFIX == */* ]]; then
        _files
    else
        local -a names
        names=( ${MSOCKET_STACKFS:-/dev/net}/*(N:t) )
        compadd -a names
    fi
}
"#;

const BASH: &str = r#"
# A stack operand without a '/' is a NAME in the default stackfs
# ($MSOCKET_STACKFS, else /dev/net): such words complete to the names there.
_mstack_wants_stack() {
    local i word sub="" n=0
    [[ ${COMP_WORDS[COMP_CWORD - 1]} == --netns ]] && return 0
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ -z $sub ]]; then
            [[ $word == -* ]] || sub=$word
            continue
        fi
        case $word in
        --) return 1 ;;
        -f | --families | -m | --mode | --pid | --dir | --netns | --owner | --group) ((i++)) ;;
        -*) ;;
        *) ((n++)) ;;
        esac
    done
    case $sub in
    rm | del | delete) return 0 ;;
    add | exec | export | ls | list | probe | up | down) [[ $n -eq 0 ]] ;;
    *) return 1 ;;
    esac
}
_mstack_stacks() {
    local cur=${COMP_WORDS[COMP_CWORD]} f
    if [[ $cur != -* && $cur != */* ]] && _mstack_wants_stack; then
        COMPREPLY=()
        for f in "${MSOCKET_STACKFS:-/dev/net}"/"$cur"*; do
            [[ -e $f ]] && COMPREPLY+=("${f##*/}")
        done
        return 0
    fi
    _mstack "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _mstack_stacks -o nosort -o bashdefault -o default mstack
else
    complete -F _mstack_stacks -o bashdefault -o default mstack
fi
"#;

const FISH: &str = r#"
# A stack operand without a '/' is a NAME in the default stackfs
# ($MSOCKET_STACKFS, else /dev/net): such words complete to the names there.
function __mstack_wants_stack
    set -l words (commandline -opc)
    set -l sub
    set -l n 0
    set -l skip 0
    test "$words[-1]" = --netns; and return 0
    for w in $words[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        if test -z "$sub"
            string match -q -- '-*' $w; or set sub $w
            continue
        end
        switch $w
            case --
                return 1
            case -f --families -m --mode --pid --dir --netns --owner --group
                set skip 1
            case '-*'
            case '*'
                set n (math $n + 1)
        end
    end
    switch "$sub"
        case rm del delete
            return 0
        case add exec export ls list probe up down
            test $n -eq 0
            return
    end
    return 1
end
function __mstack_stacks
    set -l dir /dev/net
    set -q MSOCKET_STACKFS; and test -n "$MSOCKET_STACKFS"; and set dir $MSOCKET_STACKFS
    for f in $dir/*
        basename -- $f
    end
end
complete -c mstack -n "__mstack_wants_stack; and not string match -q -- '*/*' (commandline -ct)" -f -a "(__mstack_stacks)"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_operands_complete_as_names() {
        let zsh = script(Shell::Zsh, "mstack");
        assert!(
            zsh.starts_with("#compdef mstack\n\n# A stack operand"),
            "{zsh}"
        );
        // exec, probe, export, add (PATH and --netns), rm (and its aliases
        // del and delete), ls (and list), import --dir, link set (STACK and
        // --from), up and down (STACK and --netns).
        assert_eq!(zsh.matches(":_mstack_stacks'").count(), 17, "{zsh}");
        // mount and umount take plain directories.
        assert!(zsh.contains("'::dir -- The directory (a path)"), "{zsh}");
        assert!(!zsh.contains("(a path) [default: the default stackfs]:_mstack_stacks"));
        let bash = script(Shell::Bash, "mstack");
        assert!(bash.contains("complete -F _mstack_stacks"));
        assert!(script(Shell::Fish, "mstack").contains("-a \"(__mstack_stacks)\""));
        // vustack's stack is a path, as in VUOS.
        let vustack = script(Shell::Zsh, "vustack");
        assert!(!vustack.contains("_mstack_stacks"), "{vustack}");
    }
}
