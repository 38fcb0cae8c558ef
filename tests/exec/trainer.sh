#!/bin/sh
# trainer.sh -- a scripted trainer for the `--exec` tests: its validation
# accuracy per epoch is fixed by its setup (batch size, learning rate), so
# every run's end is known. It logs each epoch it finishes to LOG, runs a
# background "worker" (sleep) in its process group, and reports its epochs as
# output lines (MODE regex) or on the marks FIFO (MODE marks).
#   trainer.sh MODE LOG BATCH LR MAX_EPOCHS RUN_DIR
mode=$1 log=$2 bs=$3 lr=$4 max=$5 dir=$6
printf '%s\n' "$@" > "$dir/args.txt"
echo "start $bs $lr $$" >> "$log"
sleep "${PT_EXEC_WORKER:-2999}" &   # a data-loader worker: must be gone when the run is
case "$bs:$lr" in
16:0.1)   accs="0.50 0.85 0.84 0.83 0.83 0.83 0.83 0.83" ;;   # target at 2, done after 4
16:0.01)  accs="0.50 0.60 0.70 0.90 0.91 0.90 0.90 0.90" ;;   # target at 4, best 5: done at the cap (6)
16:0.001) accs="0.30 0.40 0.50 0.55 0.60 0.65 0.70 0.75" ;;   # never: not_reached at the cap
32:0.1)   accs="0.50 nan" ;;                                  # diverges at 2
32:0.01)  accs="0.60 crash" ;;                                # crashes in epoch 2
*)        accs="none none none" ;;                            # no accuracy
esac
e=0
for a in $accs; do
    e=$((e + 1))
    [ "$e" -gt "$max" ] && break
    sleep 0.4
    if [ "$a" = crash ]; then
        echo "RuntimeError: CUDA out of memory (scripted crash)" >&2
        exit 3
    fi
    loss=1.0
    [ "$a" = nan ] && loss=nan
    echo "done $bs $lr $e" >> "$log"   # logged before it is reported: powertrain may end it right after
    if [ "$mode" = marks ]; then
        if [ "$a" = none ]; then echo "epoch_end $e val_loss=$loss" > "$POWERTRAIN_MARKS"
        else echo "epoch_end $e val_acc=$a val_loss=$loss" > "$POWERTRAIN_MARKS"; fi
    else
        echo "epoch $e done"
        if [ "$a" = none ]; then echo "val_loss=$loss"; else echo "val_acc=$a val_loss=$loss"; fi
    fi
done
echo "end $bs $lr" >> "$log"
