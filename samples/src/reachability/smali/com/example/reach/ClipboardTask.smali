.class public final Lcom/example/reach/ClipboardTask;
.super Ljava/util/TimerTask;


.field private final ctx:Landroid/content/Context;

.method public constructor <init>(Landroid/content/Context;)V
    .registers 2
    invoke-direct {p0}, Ljava/util/TimerTask;-><init>()V
    iput-object p1, p0, Lcom/example/reach/ClipboardTask;->ctx:Landroid/content/Context;
    return-void
.end method

.method public run()V
    .registers 3
    iget-object v0, p0, Lcom/example/reach/ClipboardTask;->ctx:Landroid/content/Context;
    const-string v1, "clipboard"
    invoke-virtual {v0, v1}, Landroid/content/Context;->getSystemService(Ljava/lang/String;)Ljava/lang/Object;
    move-result-object v0
    check-cast v0, Landroid/content/ClipboardManager;
    invoke-virtual {v0}, Landroid/content/ClipboardManager;->getPrimaryClip()Landroid/content/ClipData;
    return-void
.end method
