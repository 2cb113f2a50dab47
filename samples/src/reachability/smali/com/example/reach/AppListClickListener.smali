.class public final Lcom/example/reach/AppListClickListener;
.super Ljava/lang/Object;
.implements Landroid/view/View$OnClickListener;

.field private final ctx:Landroid/content/Context;

.method public constructor <init>(Landroid/content/Context;)V
    .registers 2
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput-object p1, p0, Lcom/example/reach/AppListClickListener;->ctx:Landroid/content/Context;
    return-void
.end method

.method public onClick(Landroid/view/View;)V
    .registers 4
    iget-object v0, p0, Lcom/example/reach/AppListClickListener;->ctx:Landroid/content/Context;
    invoke-virtual {v0}, Landroid/content/Context;->getPackageManager()Landroid/content/pm/PackageManager;
    move-result-object v0
    const/4 v1, 0x0
    invoke-virtual {v0, v1}, Landroid/content/pm/PackageManager;->getInstalledPackages(I)Ljava/util/List;
    return-void
.end method
