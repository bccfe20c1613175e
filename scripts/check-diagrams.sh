#!/usr/bin/env bash
# Renders every mermaid diagram in README.md and README.es.md with a real renderer, mermaid-cli
# driving Debian's chromium, and fails if one does not render or loses a message on the way.
# (cargo test checks separately that the messages are the bytes the programs send.)
#
# Finds or installs what it needs: chromium from Debian's packages (as root), and mermaid-cli from
# the npm registry into a cache folder outside the repository. Says `skipped:` and exits 0 when
# they cannot be had.
source "$(dirname "$0")/lib/common.sh"

cache=${XDG_CACHE_HOME:-$HOME/.cache}/sockets-by-example/mermaid-cli
mmdc=$cache/node_modules/.bin/mmdc
if ! have chromium && is_root; then
    apt_install --recommends chromium || true # without it, the diagrams are skipped, saying why
fi
if [[ ! -x $mmdc ]] && command -v npm > /dev/null; then
    echo "# installing mermaid-cli into $cache ..."
    mkdir -p "$cache"
    # Its browser is Debian's chromium: puppeteer must not try to download one of its own.
    PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$cache" --no-audit --no-fund --silent \
        @mermaid-js/mermaid-cli@11 > /dev/null 2>&1 || true
fi
chromium=$(command -v chromium || true)
if [[ -z $chromium || ! -x $mmdc ]]; then
    echo "skipped: needs chromium (Debian) and mermaid-cli (npm) to render the diagrams"
    exit 0
fi

make_work
cat > "$work/puppeteer.json" << EOF2
{ "executablePath": "$chromium",
  "args": ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"] }
EOF2

count=0
for readme in README.md README.es.md; do
    # Each ```mermaid block of the README into a file of its own: README-1.mmd, README-2.mmd...
    n=0 file=""
    while IFS= read -r line; do
        if [[ $line == '```mermaid' ]]; then
            n=$((n + 1)) file=$work/${readme%.md}-$n.mmd
        elif [[ $line == '```' ]]; then
            file="" # the end of a block: of a diagram, or of another
        elif [[ -n $file ]]; then
            printf '%s\n' "$line" >> "$file"
        fi
    done < "$readme"
done
for diagram in "$work"/*.mmd; do
    svg=${diagram%.mmd}.svg
    if ! "$mmdc" --quiet --puppeteerConfigFile "$work/puppeteer.json" -i "$diagram" -o "$svg" \
        > "$work/log" 2>&1; then
        echo "FAILED to render $(basename "$diagram"):"
        cat "$work/log"
        exit 1
    fi
    # Every message arrow must come out as text in the picture.
    while IFS= read -r message; do
        if ! grep -qF -- "$message" "$svg"; then
            echo "FAILED: $(basename "$diagram") rendered without the message: $message"
            exit 1
        fi
    done < <(sed -nE 's/^ *[A-Za-z]+ *-?-[>x]+ *[A-Za-z]+ *: *(.*)$/\1/p' "$diagram")
    count=$((count + 1))
done
((count > 0)) || { echo "FAILED: no diagrams found"; exit 1; }
echo "$count diagrams rendered with $("$mmdc" --version) and $("$chromium" --version 2> /dev/null | head -n 1)"
